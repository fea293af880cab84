import {
  bls,
  disputeMessage,
  finalizationVoteMessage,
  type SyncPoint,
} from '../../shared/zellular/index.ts'
import { unixSeconds } from './clock.ts'
import { FRESHNESS_WINDOW_MS } from './freshness.ts'
import type { Faults } from './faults.ts'
import type { NodeContext } from './nodeContext.ts'
import { syncPointAsk, type Gathered, type SignatureAsk } from './signatureGathering.ts'

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

/**
 * `finalize-twice`, as the sequencer: `first`'s signatures are gathered and nobody holds its
 * proof yet; the party is asked for another finalization of the same parent a second later,
 * first as zsequencer v0.1.7 lets a sequencer ask (the finalization request alone), then after
 * a vote round of its own for that time. A second proof would give the batches it covers two
 * times, one for the readers served each. The outcome is logged (`ADVERSARY second
 * finalization … obtained | refused`) for the Byzantine tests.
 */
export async function finalizeAgain(
  context: NodeContext,
  first: SyncPoint & { readonly proofs: readonly object[] },
  party: readonly string[],
  gather: (ask: SignatureAsk, party: readonly string[]) => Promise<Gathered>,
): Promise<void> {
  const second = {
    app_name: first.app_name,
    state: first.state,
    index: first.index,
    chaining_hash: first.chaining_hash,
    parent_index: first.parent_index,
    timestamp: first.timestamp + 1,
    proofs: first.proofs,
  }
  const refusals = (gathered: Gathered) =>
    gathered.ok ? '' : [...gathered.why.values()].join('; ').slice(0, 300)
  let outcome: string
  const alone = await gather(syncPointAsk(second), party)
  if (alone.ok) outcome = 'obtained without a vote'
  else {
    const { state: _state, proofs, ...point } = second
    const vote = { ...point, view: context.clock.now() + 1 }
    const ask = {
      path: '/node/sign_finalization_vote',
      body: { ...vote, proofs },
      message: finalizationVoteMessage(vote),
    }
    const voted = await gather(ask, party)
    if (!voted.ok) outcome = `refused (alone: ${refusals(alone)}; vote: ${refusals(voted)})`
    else {
      const { app_name: _app, ...lock } = { ...vote, ...voted.aggregate }
      const locked = await gather(syncPointAsk({ ...second, time_lock: lock }), party)
      outcome = locked.ok ? 'obtained after a vote' : `refused (after a vote: ${refusals(locked)})`
    }
  }
  context.log.warn(
    `ADVERSARY second finalization of ${first.index} on ${first.parent_index}: ${outcome}`,
  )
}
