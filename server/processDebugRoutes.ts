import { Hono } from 'hono'
import { bls } from '../shared/zellular/index.ts'
import { EventLoopWatch } from './eventLoopWatch.ts'
import type { RequestCounts } from './requestCounts.ts'

/**
 * The debug reads every node and replica process answers alike, for `bench:latency`, which
 * reads them before and after each rate:
 *
 * `GET /debug/pairing-checks`: `{ pairingChecks }`, the BN254 pairing checks this process has
 * made since it started (a node's lock and finalization proofs, a replica's finality proofs),
 * the largest share of their CPU.
 *
 * `GET /debug/requests`: `{ requests: { "PUT /sequencer/batches": n, … } }`, the requests this
 * process has answered since it started, by route (`RequestCounts`).
 *
 * `GET /debug/event-loop`: `{ eventLoop }`, how busy and how late the event loop was since the
 * previous read (`EventLoopWatch`); null at the first read, which starts the watch.
 */
export function processDebugRoutes(requests: RequestCounts, loop = new EventLoopWatch()) {
  return new Hono()
    .get('/debug/pairing-checks', (c) => c.json({ pairingChecks: bls.pairingChecks() }))
    .get('/debug/requests', (c) => c.json({ requests: requests.snapshot() }))
    .get('/debug/event-loop', (c) => c.json({ eventLoop: loop.read() ?? null }))
}
