/*
 * The chaos harness's signals. Its processes run in sessions of their own (`spawnService`'s
 * `ownSession`), so neither the terminal's Ctrl-C nor the launching shell's SIGHUP reaches them:
 * the harness hears those alone, and its exit kills every process it started. A signal that ends
 * it with no exit (SIGKILL, SIGQUIT) leaves them to the orphan reaper (`../orphanReaper.ts`),
 * which kills them then.
 */

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const

/**
 * SIGINT and SIGTERM end the run at once: `log` says so, and the exit kills every process still
 * running (the history is cut where it was). SIGHUP is ignored, and said: a run ends by itself
 * and stops its processes then, so it outlives the shell that started it. Under `nohup` alone
 * it would not: Node.js resets an ignored SIGHUP it inherits to the default, which ends it.
 */
export function handleHarnessSignals(log: (line: string) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      log(`chaos: ${signal}: stopping every process of the run`)
      process.exit(EXIT_CODES[signal])
    })
  }
  process.on('SIGHUP', () => log('chaos: SIGHUP ignored; the run goes on and stops by itself'))
}
