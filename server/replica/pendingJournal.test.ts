import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PendingJournal, type JournaledIntent } from './pendingJournal.ts'

const intent = (n: number): JournaledIntent => ({
  intentId: `0x${n.toString(16).padStart(64, '0')}`,
  item: JSON.stringify({ action: 'transfer', nonce: String(n) }),
})

describe('PendingJournal', () => {
  let directory: string
  let file: string
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'journal-'))
    file = join(directory, 'pending.jsonl')
  })
  afterEach(() => rmSync(directory, { recursive: true, force: true }))

  it('gives back after a restart every intent whose record resolved', async () => {
    const first = PendingJournal.open(file)
    expect(first.recovered).toEqual([])
    // A burst: all of them wait for the same flush, or the next one.
    await Promise.all([1, 2, 3, 4, 5].map((n) => first.journal.record(intent(n))))
    await first.journal.close()
    expect(PendingJournal.open(file).recovered).toEqual([1, 2, 3, 4, 5].map(intent))
  })

  it('skips a line cut short by a crash mid-write, and anything not an entry', async () => {
    const { journal } = PendingJournal.open(file)
    await journal.record(intent(1))
    await journal.close()
    appendFileSync(file, '["not an entry"]\n{"id":"0x02","wi')
    expect(PendingJournal.open(file).recovered).toEqual([intent(1)])
  })

  it('compacts to the live entries once it holds many more lines than them, losing no record', async () => {
    const { journal } = PendingJournal.open(file)
    for (let n = 1; n <= 30; n++) await journal.record(intent(n))
    expect(journal.needsCompaction(1, 100)).toBe(false)
    expect(journal.needsCompaction(15, 10)).toBe(false)
    expect(journal.needsCompaction(2, 10)).toBe(true)
    // A record made after the live list was taken lands after the rewrite, in the new file.
    const compacted = journal.compact([intent(29), intent(30)])
    await Promise.all([compacted, journal.record(intent(31))])
    await journal.close()
    expect(PendingJournal.open(file).recovered).toEqual([intent(29), intent(30), intent(31)])
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3)
  })

  it('refuses a record the disk cannot take (ENOSPC), so it is never acknowledged', async () => {
    const journal = PendingJournal.open(file).journal
    // /dev/full accepts an open and answers every write with "no space left on device".
    symlinkSync('/dev/full', file)
    await expect(journal.record(intent(1))).rejects.toMatchObject({ code: 'ENOSPC' })
    await journal.close()
  })
})
