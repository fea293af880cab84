import { createServer } from 'node:net'
import { BaseError } from '../../shared/errors/index.ts'
import { EPHEMERAL_RANGE_FILE, type PortRange } from '../ephemeralPorts.ts'

/*
 * The ports a chaos run listens on, checked before anything starts. They stay below the
 * ephemeral range (`ephemeralPorts.ts`), from which the kernel picks the local port of every
 * outgoing connection: a node restarted by the nemesis could find its port taken by one of the
 * thousands of connections the mesh opens.
 */

/** `npm run chaos`'s `--base-port`. */
export const DEFAULT_BASE_PORT = 19_000

/** The cluster's size, which `chaosCluster.ts` starts. */
export const NODE_COUNT = 4
export const REPLICA_COUNT = 3

/** A port of the run and who listens on it. */
interface ChaosPort {
  readonly port: number
  readonly owner: string
}

/**
 * Nodes at base+1…, replicas at base+101…, then the mesh's links from base+200, one per
 * (caller, callee) in the order `chaosCluster.ts` adds them: node to node, replica to node and
 * replica to replica, client to replica.
 */
export function chaosPorts(basePort: number): ChaosPort[] {
  const ports: ChaosPort[] = []
  for (let n = 1; n <= NODE_COUNT; n++) ports.push({ port: basePort + n, owner: `node-${n}` })
  for (let n = 1; n <= REPLICA_COUNT; n++) {
    ports.push({ port: basePort + 100 + n, owner: `replica-${n}` })
  }
  const links =
    NODE_COUNT * (NODE_COUNT - 1) + REPLICA_COUNT * (NODE_COUNT + REPLICA_COUNT - 1) + REPLICA_COUNT
  for (let n = 1; n <= links; n++) {
    ports.push({ port: basePort + 199 + n, owner: `link ${n} of the mesh` })
  }
  return ports
}

/** A port of the run that is out of bounds or already taken. */
class ChaosPortError extends BaseError {
  override name = 'ChaosPortError' as const
}

/** Throws when a port lies in the ephemeral range (`ephemeralPortRange()`). */
export function refuseEphemeralPorts(ports: readonly ChaosPort[], range: PortRange): void {
  const { from, to } = range
  const numbers = ports.map((entry) => entry.port)
  const [lowest, highest] = [Math.min(...numbers), Math.max(...numbers)]
  if (highest < from || lowest > to) return
  throw new ChaosPortError(
    `ports ${lowest}-${highest} reach into the ephemeral range ${from}-${to} (${EPHEMERAL_RANGE_FILE}), ` +
      'where any outgoing connection may take one: ' +
      `take a base port of at most ${from - 1 - (highest - lowest + 1)}`,
  )
}

/** Throws naming the first port of `ports` on which `host` cannot listen now. */
export async function refuseTakenPorts(host: string, ports: readonly ChaosPort[]): Promise<void> {
  for (const { port, owner } of ports) {
    const server = createServer()
    const failure = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
      server.once('error', done)
      server.listen(port, host, () => server.close(() => done(undefined)))
    })
    if (failure !== undefined) throw portError(failure, owner, port)
  }
}

/**
 * `error` as a one-line `ChaosPortError` naming the port and its owner when it is a failed
 * listen on one of `ports` (one taken between the check and the listen), else `error`.
 */
export function asPortError(error: unknown, ports: readonly ChaosPort[]): unknown {
  const failed = error as NodeJS.ErrnoException & { port?: number }
  const entry = ports.find((candidate) => candidate.port === failed?.port)
  return failed?.syscall === 'listen' && entry !== undefined
    ? portError(failed, entry.owner, entry.port)
    : error
}

function portError(error: NodeJS.ErrnoException, owner: string, port: number): ChaosPortError {
  const why = error.code === 'EADDRINUSE' ? 'is in use' : 'cannot be listened on'
  return new ChaosPortError(`port ${port} (${owner}) ${why} (${error.code ?? error.message})`, {
    cause: error,
  })
}
