import { createServer } from 'node:net'
import { ephemeralPortRange, type PortRange } from './ephemeralPorts.ts'

/*
 * Loopback ports for processes a test, a benchmark or the local PostgreSQL server start, chosen
 * below the ephemeral range (`ephemeralPorts.ts`): a port taken there (the kernel's own port-0
 * choice included) may be held by an outgoing connection by the time its server listens
 * (`.ci/ephemeralPortGuard.ts` refuses such a listen in tests).
 */

let machineRange: PortRange | undefined

/** This machine's ephemeral range, read once: tests ask for ports many times. */
function thisMachinesRange(): PortRange {
  machineRange ??= ephemeralPortRange()
  return machineRange
}

/**
 * The windows right below the ephemeral range (32000–32767 and 31800–31999 with Linux's
 * default): `tests` for `freeLoopbackPort`, `postgres` for the tests' PostgreSQL server.
 */
export function loopbackWindows(range: PortRange = thisMachinesRange()) {
  return {
    tests: { from: range.from - 768, below: range.from },
    postgres: { from: range.from - 968, below: range.from - 768 },
  }
}

/** A loopback port nothing listens on now, below the ephemeral range (take it right after). */
export function freeLoopbackPort(): Promise<number> {
  const { from, below } = loopbackWindows().tests
  return freeLoopbackPorts(1, from, below)
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
