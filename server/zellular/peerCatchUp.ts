import { z } from 'zod'
import {
  parseSignatureRecord,
  verifySignatureRecord,
  type SignatureRecord,
} from '../../shared/zellular/index.ts'
import type { AppLogs } from './appLogs.ts'
import type { Chain } from './chain.ts'
import type { NodeContext } from './nodeContext.ts'

/**
 * A peer's `GET /node/{app}/batches/sequenced` answer, checked before any field is used: a
 * Byzantine peer may answer anything (zsequencer reads the fields unchecked as well).
 */
const batchPageAnswerSchema = z.object({
  data: z.object({
    batches: z.array(z.string()),
    finalized_signatures: z.array(z.unknown()),
  }),
})
type BatchPage = z.output<typeof batchPageAnswerSchema>['data']

/** How long a peer may take to answer one page of batches (zsequencer's 5 s). */
export const CATCH_UP_PAGE_TIMEOUT_MS = 5_000

interface PeerRecord {
  readonly peer: string
  readonly record: SignatureRecord
}

/**
 * Every node syncs its peers' latest locked and finalized state before accepting the new
 * sequencer. Proofs are verified (lock proofs with timestamp 0, zsequencer's Q4), and locks are
 * promoted with their own `parent_index` (zsequencer forgets it, its Q3).
 */
export async function adoptPeersState(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  app: string,
): Promise<void> {
  const log = logs.get(app)
  const candidates: PeerRecord[] = []
  const peers = [...context.network.operators.values()].filter(
    (operator) => operator.id !== context.id,
  )
  // Every question at once: a paused peer (the old sequencer, say) holds each until the timeout,
  // and asked in turn it would cost the switch that timeout twice.
  const questions = peers.flatMap((peer) =>
    (['locked', 'finalized'] as const).map(async (state) => {
      try {
        const url = `${peer.socket}/node/${app}/batches/${state}/last`
        const response = await context.peers.get(url, 2_000)
        const record = lastRecordProof(app, (response.body as { data?: unknown })?.data, state)
        if (record && isVerified(context, app, record)) {
          candidates.push({ peer: peer.socket, record })
        }
      } catch {
        // an unreachable peer simply offers nothing
      }
    }),
  )
  await Promise.all(questions)
  const best = candidates
    .filter(({ record }) => record.index > log.lastLocked || record.index > log.lastFinalized)
    .sort((a, b) => b.record.index - a.record.index || rank(b.record) - rank(a.record))
  for (const { peer, record } of best) {
    if (await catchUpFrom(context, logs, chain, app, peer, record)) break
  }
  adoptProvenPoints(chain, app, best)
}

/**
 * After catching up, applies every proof the peers offered that this log can now take, lowest
 * first: the peer caught up from may lack a finalization that another peer holds. That happens
 * when the old sequencer fell right after finalizing, before every node had the proof. Without
 * it, the new sequencer finalized the same batches again with a later time and an older parent.
 * Replicas that had read the first proof then timed those batches differently from the others.
 *
 * The alternative was to leave this to the replicas: time a batch only by finalizations on the
 * parent-linked chain. But a replica applies a batch when its first finalization arrives, before
 * it can know whether a later one will name that one as parent. It would have to hold back every
 * batch one finalization, or time it by the parent's timestamp, which lags a round and still
 * diverges when one index is finalized twice with two times. Adopting the highest proven
 * finalization keeps one proof per index on every node that reaches a live holder of it. The
 * case that remains: nobody reachable at the switch holds the proof (only the fallen sequencer
 * and nodes cut off then), and a replica read it from one of them before.
 */
function adoptProvenPoints(chain: Chain, app: string, proofs: readonly PeerRecord[]): void {
  const ascending = [...proofs].sort(
    (a, b) => a.record.index - b.record.index || rank(a.record) - rank(b.record),
  )
  // Verified in `adoptPeersState`; a refusal (old, not held here, another chain) skips one.
  for (const { record } of ascending) chain.promote(app, record, true)
}

const rank = (record: SignatureRecord) => (record.state === 'locked' ? 1 : 0)

function isVerified(context: NodeContext, app: string, record: SignatureRecord): boolean {
  try {
    verifySignatureRecord(context.network, app, record)
    return true
  } catch {
    return false
  }
}

/** The proof inside a `StatefulBatch`: its lock proof, or its finalization proof. */
function lastRecordProof(
  app: string,
  data: unknown,
  state: 'locked' | 'finalized',
): SignatureRecord | null {
  if (!data || typeof data !== 'object') return null
  const batch = data as Record<string, unknown>
  if (batch.app_name !== app) return null
  const signature = state === 'locked' ? batch.locked_signature : batch.finalized_signature
  if (typeof signature !== 'string') return null
  try {
    return parseSignatureRecord({
      state: state === 'locked' ? 'sequenced' : 'locked',
      index: batch.index,
      parent_index: batch.parent_index ?? 0,
      chaining_hash: batch.chaining_hash,
      signature,
      nonsigners: state === 'locked' ? batch.locked_nonsigners : batch.finalized_nonsigners,
      tag: 0,
      timestamp: state === 'locked' ? 0 : batch.timestamp,
    })
  } catch {
    return null
  }
}

/**
 * Pages the peer's sequenced batches after our last finalized index up to the proven index,
 * appending what we lack and applying the finalization proofs on the way, then the proof itself.
 */
async function catchUpFrom(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  app: string,
  peer: string,
  target: SignatureRecord,
): Promise<boolean> {
  const log = logs.get(app)
  log.dropUnlocked()
  let after = log.lastFinalized
  let forkDropped = false
  while (after < target.index) {
    if (log.lastSequenced < after) {
      // A finalization on the way dropped this node's forked tail (`Chain.promote`): page again
      // from there. Once only: a peer whose pages keep contradicting valid proofs is skipped.
      if (forkDropped) return false
      forkDropped = true
      after = log.lastSequenced
    }
    const url = `${peer}/node/${app}/batches/sequenced?after=${after}`
    let page: BatchPage
    try {
      const response = await context.peers.get(url, CATCH_UP_PAGE_TIMEOUT_MS)
      const parsed = batchPageAnswerSchema.safeParse(response.body)
      if (!parsed.success) {
        context.log.warn(
          `catch-up from ${peer}: malformed page after ${after}; trying another peer`,
        )
        return false
      }
      page = parsed.data.data
    } catch {
      return false
    }
    if (page.batches.length === 0) return false
    const bodies = page.batches.slice(0, target.index - after)
    const fresh = bodies.slice(Math.max(0, log.lastSequenced - after))
    log.append(fresh)
    after += bodies.length
    // A malformed proof from a peer is ignored (the target proof decides); the others are
    // checked together, one pairing check a page.
    const proofs = page.finalized_signatures.flatMap((raw) => {
      try {
        const proof = parseSignatureRecord(raw)
        return proof.index <= after ? [proof] : []
      } catch {
        return []
      }
    })
    const verified = chain.verifiedTogether(app, proofs)
    for (const proof of proofs) chain.promote(app, proof, verified.has(proof))
  }
  if (!chain.isOld(app, target)) {
    const refusal = chain.promote(app, target)
    if (refusal) {
      context.log.warn(`catch-up to ${target.index} of ${app} from ${peer} refused: ${refusal}`)
      return false
    }
  }
  context.log.info(
    `caught up ${app} to ${target.state === 'locked' ? 'finalized' : 'locked'} ` +
      `${target.index} from ${peer}`,
  )
  return true
}
