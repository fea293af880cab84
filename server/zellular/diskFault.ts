import type Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import type { Logger } from './logger.ts'

/** How often the fault looks for its file: one `stat` call, and quick enough for a test. */
const CHECK_INTERVAL_MS = 100

/**
 * A full disk on demand, for tests alone (`diskFull.test.ts`): `main.ts` installs it from
 * `ZSEQUENCER_TEST_DISK_FULL_FILE`, which production launchers never set. While `file` exists,
 * the batch store cannot grow past the pages it has (`max_page_count` = `page_count`): a write
 * that needs one more page fails inside SQLite with SQLITE_FULL, as on a full disk, and one that
 * fits in a page's free room still succeeds, as there. Once the file is gone the cap is lifted.
 * Not a Byzantine behaviour (`faults.ts`): the node stays honest, its disk fails it.
 */
export function startDiskFullFault(
  db: Database.Database,
  file: string,
  log: Logger,
): { stop(): void } {
  const uncapped = db.pragma('max_page_count', { simple: true }) as number
  let full = false
  const check = () => {
    if (existsSync(file) === full) return
    full = !full
    if (full) {
      const pages = db.pragma('page_count', { simple: true }) as number
      db.pragma(`max_page_count = ${pages}`)
      log.warn(`test fault: disk full (the batch store is capped at its ${pages} pages)`)
    } else {
      db.pragma(`max_page_count = ${uncapped}`)
      log.warn('test fault: disk free again')
    }
  }
  log.warn(`test fault armed: the disk is full whenever ${file} exists`)
  check()
  const timer = setInterval(check, CHECK_INTERVAL_MS)
  // Nothing to wait for at exit: the timer only looks at a file.
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
