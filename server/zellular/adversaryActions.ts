import { bls, disputeMessage } from '../../shared/zellular/index.ts'
import { unixSeconds } from './clock.ts'
import { FRESHNESS_WINDOW_MS } from './freshness.ts'
import type { Faults } from './faults.ts'
import type { NodeContext } from './nodeContext.ts'

/**
 * What a test adversary (`faults.ts`) does on its own, once per node loop: it floods its peers
 * with dispute and switch requests (`spam-disputes`) and replays the signed requests other
 * nodes sent it, to other nodes at once and to everyone after the freshness window (`replay`).
 * Only the adversary wiring of `main.ts` runs it.
 */
export async function misbehave(node: NodeContext, faults: Faults): Promise<void> {
  const peers = [...node.network.operators.values()].filter((operator) => operator.id !== node.id)
  const sends: Promise<unknown>[] = []
  if (faults.has('spam-disputes')) {
    const timestamp = unixSeconds(node.clock)
    for (const against of node.network.operators.keys()) {
      const payload = { sequencer_id: against, apps_censored_batches: {}, timestamp }
      const signature = bls.formatPoint(
        bls.sign(node.secretKey, disputeMessage(against, timestamp)),
      )
      const proofs = [{ node_id: node.id, sequencer_id: against, timestamp, signature }]
      for (const peer of peers) {
        sends.push(node.peers.send('POST', peer, '/node/dispute', payload, 1_000))
        sends.push(node.peers.send('POST', peer, '/node/switch', { proofs }, 1_000))
      }
    }
  }
  if (faults.has('replay')) {
    // Each captured request is replayed twice: at once, and once its window has passed.
    const now = node.clock.now()
    const keep = []
    for (const request of faults.captured.splice(0)) {
      const stale = now - request.at > FRESHNESS_WINDOW_MS
      if (!request.replayed || stale) {
        for (const peer of peers) {
          const resend = fetch(`${peer.socket}${request.path}`, {
            method: request.method,
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(1_000),
          }).then((response) => response.body?.cancel())
          sends.push(resend)
        }
      }
      if (!stale) keep.push({ ...request, replayed: true })
    }
    faults.captured.push(...keep)
  }
  await Promise.allSettled(sends)
}
