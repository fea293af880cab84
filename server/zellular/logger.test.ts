import { expect, it } from 'vitest'
import { createLogger } from './logger.ts'

/** A logger writing into `written`, on a clock the test moves. */
function loggerAt() {
  const written: string[] = []
  const clock = { ms: Date.UTC(2026, 0, 1) }
  const sink = { write: (line: string) => written.push(line.slice(13).trimEnd()) > 0 }
  const log = createLogger('n', sink as unknown as NodeJS.WritableStream, () => clock.ms)
  return { log, written, clock }
}

it('writes a line said again within 5 s once, and the count of those held back with the next', () => {
  // A node on a full disk refuses the same finalization in every round, 25 times a second.
  const { log, written, clock } = loggerAt()
  const refused = 'finalization 1939 of a refused: unstored (SQLITE_FULL: database or disk is full)'
  for (let round = 0; round < 100; round++) {
    log.warn(refused)
    clock.ms += 40
  }
  log.warn('finalization 1940 of a refused: unstored')
  clock.ms += 1_000
  log.warn(refused)
  expect(written).toEqual([
    `WARN  [n] ${refused}`,
    'WARN  [n] finalization 1940 of a refused: unstored',
    `WARN  [n] ${refused} (and 99 times more since 00:00:00.000)`,
  ])
})

it('holds back by level and text alone: other lines and levels are written', () => {
  const { log, written } = loggerAt()
  log.info('synced')
  log.warn('synced')
  log.info('switch a -> b')
  log.info('synced')
  expect(written).toEqual(['INFO  [n] synced', 'WARN  [n] synced', 'INFO  [n] switch a -> b'])
})
