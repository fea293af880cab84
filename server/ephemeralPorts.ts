import { readFileSync } from 'node:fs'

/*
 * Linux's ephemeral port range: the kernel hands its ports to every outgoing connection as the
 * local end, and holds each for a minute after the connection closes, so a server that listens
 * on a fixed port in it may find that port taken, even by a connection of its own test. Tests,
 * benchmarks, the chaos harness and the local PostgreSQL server therefore listen below it
 * (`.ci/ephemeralPortGuard.ts`, `loopbackPorts.ts`, `chaos/chaosPorts.ts`). The range is the
 * kernel's setting; Linux's default where it cannot be read.
 */

/** Ports `from` to `to`, both included. */
export interface PortRange {
  readonly from: number
  readonly to: number
}

/** Where Linux keeps the range: two numbers, the first and the last port. */
export const EPHEMERAL_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range'

/** Linux's default range. */
const LINUX_DEFAULT: PortRange = { from: 32_768, to: 60_999 }

/** The range that `text` (e.g. `32768\t60999\n`) names, or undefined when it names none. */
export function parsePortRange(text: string): PortRange | undefined {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(text)
  if (match === null) return undefined
  const [from, to] = [Number(match[1]), Number(match[2])]
  return from >= 1 && from <= to && to <= 65_535 ? { from, to } : undefined
}

/** This machine's ephemeral range (`read` gives the text of `EPHEMERAL_RANGE_FILE`). */
export function ephemeralPortRange(
  read = () => readFileSync(EPHEMERAL_RANGE_FILE, 'utf8'),
): PortRange {
  let text = ''
  try {
    text = read()
  } catch {
    // Not Linux, or no /proc: the default.
  }
  return parsePortRange(text) ?? LINUX_DEFAULT
}
