import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A temporary copy of a drizzle migrations folder that stops after migration number `last`, so
 * a test can make a database of an older schema with the migrations that made it. Returns the
 * copy's path; the caller removes it.
 */
export function migrationsUpTo(folder: string, last: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'))
  cpSync(folder, dir, { recursive: true })
  const journalFile = join(dir, 'meta/_journal.json')
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number }[] }
  journal.entries = journal.entries.filter((entry) => entry.idx <= last)
  writeFileSync(journalFile, JSON.stringify(journal))
  return dir
}
