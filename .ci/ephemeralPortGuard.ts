/**
 * Test setup (both vitest projects): a test may not listen on a fixed port of the ephemeral
 * range (`server/ephemeralPorts.ts`; 32768–60999 by default). The kernel gives ports of that
 * range to outgoing connections as their local end, and a test server whose port is so held,
 * even for an instant, fails with EADDRINUSE: a flake no run can predict. Port 0 (the kernel's
 * choice) and fixed ports below the range are fine. Servers of every kind (`node:http`, Hono's
 * node server, probes of free ports) listen through `net.Server.prototype.listen`, so the guard
 * sits there; a fixed port in the range fails at once, naming the port.
 */
import { Server } from 'node:net'
import { ephemeralPortRange } from '../server/ephemeralPorts.ts'

const EPHEMERAL_PORTS = ephemeralPortRange()

/** The port a `listen` call asks for, when it asks for a fixed TCP port. */
function portOf(args: readonly unknown[]): number | undefined {
  const [first] = args
  const port =
    typeof first === 'object' && first !== null && 'port' in first
      ? (first as { port?: unknown }).port
      : first
  const value = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port
  return typeof value === 'number' ? value : undefined
}

const listen = Server.prototype.listen
Server.prototype.listen = function (this: Server, ...args: unknown[]) {
  const port = portOf(args)
  if (port !== undefined && port >= EPHEMERAL_PORTS.from && port <= EPHEMERAL_PORTS.to) {
    throw new Error(
      `a test listens on port ${port}, inside the ephemeral range ` +
        `${EPHEMERAL_PORTS.from}–${EPHEMERAL_PORTS.to}: take port 0 or one below it`,
    )
  }
  return (listen as (...args: unknown[]) => Server).apply(this, args)
} as typeof Server.prototype.listen
