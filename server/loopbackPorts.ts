import { createServer } from 'node:net'

/*
 * Loopback ports for processes a test, a benchmark or the local PostgreSQL server start, chosen
 * below Linux's ephemeral range (32768–60999 by default): the kernel hands ports of that range to
 * every outgoing connection as its local end, for a minute after it closes too, so a port taken
 * there (the kernel's own port-0 choice included) may be held by the time its server listens
 * (`.ci/ephemeralPortGuard.ts` refuses such a listen in tests).
 */

/** A loopback port nothing listens on now, below the ephemeral range (take it right after). */
export function freeLoopbackPort(): Promise<number> {
  return freeLoopbackPorts(1, 32_000, 32_768)
}

/**
 * The first `count` consecutive loopback ports from `from` (below `to`) that nothing holds now,
 * for a test confined to a port range. The caller takes them right after.
 */
export async function freeLoopbackPorts(count: number, from: number, to: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = createServer()
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
    })
  for (let base = from; base + count <= to; base++) {
    let run = 0
    while (run < count && (await free(base + run))) run++
    if (run === count) return base
    base += run
  }
  throw new Error(`no ${count} consecutive free ports in ${from}-${to - 1}`)
}
