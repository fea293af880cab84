import { z } from 'zod'
import {
  parseSignatureRecord,
  syncPointMessage,
  type SignatureRecord,
} from '../../shared/zellular/index.ts'
import { addOne, removeOne, type ZellularNode } from './node.ts'

/**
 * Moves the sequencer role to `next` (zsequencer `switch_to_sequencer`, §8.6): pause, adopt the
 * highest lock and finalization any peer can prove, drop the old sequencer's unlocked tail, put
 * this node's own unlocked batches back in its queue, then resume. Unlike zsequencer, queued
 * client batches are kept when this node becomes the sequencer (its Q11).
 */
export async function switchSequencer(
  node: ZellularNode,
  next: string,
  expectedCurrent: string,
): Promise<void> {
  if (node.paused || node.sequencerId !== expectedCurrent || next === node.sequencerId) return
  node.paused = true
  const previous = node.sequencerId
  node.sequencerId = next
  node.log.warn(`SEQUENCER SWITCH ${previous} -> ${next}${next === node.id ? ' (me)' : ''}`)
  try {
    for (const app of node.logs.keys()) {
      const finalizedBefore = node.appLog(app).lastFinalized
      await adoptPeersState(node, app)
      requeueUnlocked(node, app, finalizedBefore)
    }
    if (node.isSequencer) {
      for (const [app, queue] of node.queues) node.sequenceOwn(app, queue.takeAll())
    } else {
      await new Promise((resolve) => setTimeout(resolve, node.config.sequencerSetupDeadlineMs))
    }
  } finally {
    resetSequencerView(node)
    node.paused = false
  }
}

/** Forget everything learned about or from the previous sequencer. */
function resetSequencerView(node: ZellularNode): void {
  for (const reports of node.reports.values()) reports.clear()
  node.lastLockPoint.clear()
  node.lastFinalizationPoint.clear()
  node.suspicion.clear()
  for (const tracked of node.sequencedAt.values()) tracked.length = 0
  for (const awaiting of node.awaitingEcho.values()) awaiting.clear()
  node.censoredApps.clear()
  node.sequencerDown = false
}

/**
 * Drops the sequenced-but-unlocked tail and re-queues this node's own batches that are neither
 * finalized nor in the locked prefix; probes (other nodes' censored samples) are discarded, and
 * so are queued copies of uncertain bodies that the adopted prefix turns out to hold.
 */
export function requeueUnlocked(node: ZellularNode, app: string, finalizedBefore: number): void {
  const log = node.appLog(app)
  log.dropUnlocked()
  const pending = new Map(node.unfinalizedSent.get(app)!)
  const uncertain = node.uncertain.get(app)!
  const held = new Map<string, number>()
  for (const record of log.range(finalizedBefore, 'locked', Number.MAX_SAFE_INTEGER)) {
    if (record.index > log.lastFinalized) removeOne(pending, record.body)
    if (removeOne(uncertain, record.body)) addOne(held, record.body)
  }
  const again: string[] = []
  for (const [body, count] of pending) {
    for (let i = 0; i < count; i++) again.push(body)
    for (let i = 0; i < count; i++) removeOne(node.unfinalizedSent.get(app)!, body)
  }
  const probes = node.probes.get(app)!
  const queue = node.queues.get(app)!
  queue.rebuild(again, (body) => !probes.has(body) && !removeOne(held, body))
  probes.clear()
  if (again.length > 0) node.log.info(`re-queued ${again.length} unlocked batches of ${app}`)
}

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

interface PeerRecord {
  readonly peer: string
  readonly record: SignatureRecord
}

/**
 * Every node syncs its peers' latest locked and finalized state before accepting the new
 * sequencer. Proofs are verified (lock proofs with timestamp 0, zsequencer's Q4), and locks are
 * promoted with their own `parent_index` (zsequencer forgets it, its Q3).
 */
async function adoptPeersState(node: ZellularNode, app: string): Promise<void> {
  const log = node.appLog(app)
  const candidates: PeerRecord[] = []
  const peers = [...node.network.operators.values()].filter((operator) => operator.id !== node.id)
  await Promise.all(
    peers.map(async (peer) => {
      for (const state of ['locked', 'finalized'] as const) {
        try {
          const url = `${peer.socket}/node/${app}/batches/${state}/last`
          const response = await node.peers.get(url, 2_000)
          const record = lastRecordProof(app, (response.body as { data?: unknown })?.data, state)
          if (record && isVerified(node, app, record)) {
            candidates.push({ peer: peer.socket, record })
          }
        } catch {
          // an unreachable peer (the old sequencer, say) simply offers nothing
        }
      }
    }),
  )
  const best = candidates
    .filter(({ record }) => record.index > log.lastLocked || record.index > log.lastFinalized)
    .sort((a, b) => b.record.index - a.record.index || rank(b.record) - rank(a.record))
  for (const { peer, record } of best) {
    if (await catchUpFrom(node, app, peer, record)) return
  }
}

const rank = (record: SignatureRecord) => (record.state === 'locked' ? 1 : 0)

function isVerified(node: ZellularNode, app: string, record: SignatureRecord): boolean {
  try {
    const timestamp = record.state === 'sequenced' ? 0 : record.timestamp
    node.network.verifyAggregate(syncPointMessage({ app_name: app, ...record, timestamp }), record)
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
  node: ZellularNode,
  app: string,
  peer: string,
  target: SignatureRecord,
): Promise<boolean> {
  const log = node.appLog(app)
  log.dropUnlocked()
  let after = log.lastFinalized
  while (after < target.index) {
    const url = `${peer}/node/${app}/batches/sequenced?after=${after}`
    let page: BatchPage
    try {
      const response = await node.peers.get(url, 5_000)
      const parsed = batchPageAnswerSchema.safeParse(response.body)
      if (!parsed.success) {
        node.log.warn(`catch-up from ${peer}: malformed page after ${after}; trying another peer`)
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
    for (const raw of page.finalized_signatures) {
      try {
        const proof = parseSignatureRecord(raw)
        if (proof.index > log.lastFinalized && proof.index <= after) node.promote(app, proof)
      } catch {
        // a malformed proof from a peer is ignored; the target proof decides
      }
    }
  }
  if (target.index > (target.state === 'locked' ? log.lastFinalized : log.lastLocked)) {
    const refusal = node.promote(app, target)
    if (refusal) {
      node.log.warn(`catch-up to ${target.index} of ${app} from ${peer} refused: ${refusal}`)
      return false
    }
  }
  node.log.info(
    `caught up ${app} to ${target.state === 'locked' ? 'finalized' : 'locked'} ` +
      `${target.index} from ${peer}`,
  )
  return true
}

/**
 * Starts a switch in the background (a switch request, a dispute's outcome). Its failure is
 * logged: an unhandled rejection would end the process, and one malformed peer answer must not
 * take an honest node down.
 */
export function startSwitch(node: ZellularNode, next: string, expectedCurrent: string): void {
  switchSequencer(node, next, expectedCurrent).catch((error: unknown) => {
    node.log.error(`switch to ${next} failed: ${(error as Error)?.stack ?? String(error)}`)
  })
}
