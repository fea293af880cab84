import { z } from 'zod'
import {
  bodyDigestsInSlices,
  DEFAULT_WORK_PER_SLICE,
  nextMacrotask,
  parseSignatureRecord,
  verifySignatureRecord,
  WorkSlices,
  type SignatureRecord,
} from '../../shared/zellular/index.ts'
import type { AppLogs } from './appLogs.ts'
import type { Chain } from './chain.ts'
import type { NodeConfig } from './config.ts'
import type { NodeContext } from './nodeContext.ts'
import { overPageLimit } from './pageLimit.ts'

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

/**
 * How long one sequencer switch may spend adopting its peers' state, asking for their last
 * proofs and catching up: the setup deadline, the time followers give a new sequencer before
 * they take its "paused" answers as a failure (`BatchPoster.isSettingUp`), and at least one
 * page's time.
 */
export function catchUpBudgetOf(config: Pick<NodeConfig, 'sequencerSetupDeadlineMs'>): number {
  return Math.max(config.sequencerSetupDeadlineMs, CATCH_UP_PAGE_TIMEOUT_MS)
}

/** How long a peer may take to say what it last locked or finalized. */
const LAST_RECORD_TIMEOUT_MS = 2_000

interface PeerRecord {
  readonly peer: string
  readonly record: SignatureRecord
}

/** A proof the peers offered, and the peers that offered it, in the order they answered. */
interface Target {
  readonly record: SignatureRecord
  readonly offeredBy: string[]
}

/**
 * Every node syncs its peers' latest locked and finalized state before accepting the new
 * sequencer. Proofs are verified (lock proofs with timestamp 0, zsequencer's Q4), and locks are
 * promoted with their own `parent_index` (zsequencer forgets it, its Q3). Nothing is asked or
 * paged after `deadline` (see `catchUpBudgetOf`): the node then goes on with what it holds.
 */
export async function adoptPeersState(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  app: string,
  deadline: number,
): Promise<void> {
  const log = logs.get(app)
  const questionMs = Math.min(LAST_RECORD_TIMEOUT_MS, deadline - context.clock.now())
  if (questionMs <= 0) {
    context.log.warn(`switch out of time before asking the peers about ${app}`)
    return
  }
  const candidates: PeerRecord[] = []
  const peers = [...context.network.operators.values()].filter(
    (operator) => operator.id !== context.id,
  )
  // Every question at once: a paused peer (the old sequencer, say) holds each until the timeout,
  // and asked in turn it would cost the switch that timeout twice. Nor is it waited for once a
  // threshold of stake has answered (`STRAGGLERS_GRACE_MS`).
  const answered = new Set<string>([context.id])
  let quorumAnswered = () => {}
  const quorum = new Promise<void>((resolve) => (quorumAnswered = resolve))
  const countAnswer = (id: string) => {
    answered.add(id)
    if (context.network.stakePercent(answered) >= context.network.thresholdPercent) {
      quorumAnswered()
    }
  }
  countAnswer(context.id)
  const questions = peers.map(async (peer) => {
    const answers = await Promise.all(
      (['locked', 'finalized'] as const).map(async (state) => {
        try {
          const url = `${peer.socket}/node/${app}/batches/${state}/last`
          const response = await context.peers.get(url, questionMs)
          const record = lastRecordProof(app, (response.body as { data?: unknown })?.data, state)
          if (record && isVerified(context, app, record)) {
            candidates.push({ peer: peer.socket, record })
          }
          return true
        } catch {
          // an unreachable peer simply offers nothing
          return false
        }
      }),
    )
    if (answers.every(Boolean)) countAnswer(peer.id)
  })
  let cancelGrace = () => {}
  const graceOver = quorum.then(
    () =>
      new Promise<void>(
        (resolve) => (cancelGrace = context.clock.after(STRAGGLERS_GRACE_MS, resolve)),
      ),
  )
  await Promise.race([Promise.all(questions), graceOver])
  cancelGrace()
  const best = candidates
    .filter(({ record }) => record.index > log.lastLocked || record.index > log.lastFinalized)
    .sort((a, b) => b.record.index - a.record.index || rank(b.record) - rank(a.record))
  for (const target of targetsOf(best)) {
    if (await catchUpTo(context, logs, chain, app, target, deadline)) break
  }
  adoptProvenPoints(chain, app, best)
}

/**
 * How long the other peers may still answer once a threshold of stake has (this node's own
 * included): a live peer answers in milliseconds, a paused or cut-off one (the old sequencer,
 * often) not before the timeout, which every switch would otherwise wait out. Enough for safety:
 * a finalization's signers each hold the lock proof it carried, and two thresholds of 67 % share
 * 34 % of the stake, more than the faulty hold, so an honest answer holds the highest lock a
 * finalization rests on. The grace lets the live peers that hold a newer proof than those (one the
 * old sequencer showed a single follower) answer too. With a threshold of 100 % every peer is
 * waited for, as before.
 */
const STRAGGLERS_GRACE_MS = 500

/** The offered proofs, each once with every peer that offered it, in `offers`' order. */
function targetsOf(offers: readonly PeerRecord[]): Target[] {
  const targets = new Map<string, Target>()
  for (const { peer, record } of offers) {
    const key = `${record.state} ${record.index} ${record.chaining_hash}`
    const target = targets.get(key)
    if (target) target.offeredBy.push(peer)
    else targets.set(key, { record, offeredBy: [peer] })
  }
  return [...targets.values()]
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
 * Brings this log up to `target`'s proof: a lock over the batches it holds if it holds them,
 * else from the peers that offered the proof, then from its other signers (each held the
 * batches to sign it). A source has an even share of the time left before `deadline`, the last
 * one all of it: a Byzantine source that answers each page just inside the page timeout (the old
 * sequencer that kept its lock to itself, say) costs the switch its share, not a page timeout
 * per batch, and an honest signer still has time to serve the batches.
 */
async function catchUpTo(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  app: string,
  target: Target,
  deadline: number,
): Promise<boolean> {
  if (adoptOverHeldBatches(context, logs, chain, app, target.record)) return true
  const sources = sourcesOf(context, target)
  for (const [i, source] of sources.entries()) {
    const now = context.clock.now()
    if (now >= deadline) break
    const until = now + (deadline - now) / (sources.length - i)
    const time = { started: now, until, deadline }
    if (await catchUpFrom(context, logs, chain, app, source, target.record, time)) return true
  }
  if (context.clock.now() >= deadline) {
    context.log.warn(
      `switch out of time catching up ${app} to ${target.record.index}; going on with what ` +
        `this node holds (${logs.get(app).lastLocked} locked)`,
    )
  }
  return false
}

/**
 * Applies a lock over the batches this node holds, when it holds the locked batch: a node that
 * signed the lock has them, and paging them from a peer would first drop them (`catchUpFrom`).
 * The chaining hash at the index binds the whole prefix. Only a lock on a parent this node has
 * finalized: a finalization, or a lock over finalizations this node lacks, is paged with the
 * finalization proofs under it, by which replicas time the batches. So is an old lock (this
 * node has it, not the finalizations under it) or a refused one.
 */
function adoptOverHeldBatches(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  app: string,
  record: SignatureRecord,
): boolean {
  const log = logs.get(app)
  if (record.state !== 'sequenced' || record.parent_index > log.lastFinalized) return false
  if (chain.isOld(app, record) || record.index > log.lastSequenced) return false
  if (log.chainingHashAt(record.index) !== record.chaining_hash) return false
  // Verified when it was offered (`adoptPeersState`).
  if (chain.promote(app, record, true) !== null) return false
  context.log.info(`adopted lock ${record.index} of ${app} over the batches held here`)
  return true
}

/**
 * Where the target's batches are: the peers that offered its proof, then the others that
 * signed it (a proof names its nonsigners), this node left out.
 */
function sourcesOf(context: NodeContext, target: Target): string[] {
  const nonsigners = new Set(target.record.nonsigners.map((id) => id.toLowerCase()))
  const signers = context.network
    .attesting()
    .filter((operator) => operator.id !== context.id && !nonsigners.has(operator.id))
    .map((operator) => operator.socket)
  return [...new Set([...target.offeredBy, ...signers])]
}

const describe = (record: SignatureRecord) =>
  `${record.state === 'locked' ? 'finalization' : 'lock'} ${record.index}`

/** When catching up from one source started, and by when it must be done. */
interface SourceTime {
  readonly started: number
  /** Its share: no page is awaited past it. */
  readonly until: number
  /** The switch's: a source whose pace cannot reach the target by then is left at once. */
  readonly deadline: number
}

/**
 * Pages the peer's sequenced batches after our last finalized index up to the proven index,
 * appending what we lack and applying the finalization proofs on the way, then the proof itself.
 * A page slower than its share of time, or a pace that reaches the target only after the
 * deadline, ends it: another source may serve the batches at once.
 */
async function catchUpFrom(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  app: string,
  peer: string,
  target: SignatureRecord,
  time: SourceTime,
): Promise<boolean> {
  const { clock } = context
  const log = logs.get(app)
  log.dropUnlocked()
  let after = log.lastFinalized
  let forkDropped = false
  let delivered = 0
  while (after < target.index) {
    if (log.lastSequenced < after) {
      // A finalization on the way dropped this node's forked tail (`Chain.promote`): page again
      // from there. Once only: a peer whose pages keep contradicting valid proofs is skipped.
      if (forkDropped) return false
      forkDropped = true
      after = log.lastSequenced
    }
    const pageMs = Math.min(CATCH_UP_PAGE_TIMEOUT_MS, Math.floor(time.until - clock.now()))
    if (pageMs <= 0) return tooSlow(context, peer, app, delivered, time)
    const url = `${peer}/node/${app}/batches/sequenced?after=${after}`
    let page: BatchPage
    try {
      const response = await context.peers.get(url, pageMs)
      // Counted before the schema and any hash: each batch costs the node work (`pageLimit.ts`).
      const overLimit = overPageLimit(response.body, context.pageCapBytes)
      if (overLimit !== null) {
        context.log.warn(`catch-up from ${peer}: a page of ${overLimit}; trying another peer`)
        return false
      }
      const parsed = batchPageAnswerSchema.safeParse(response.body)
      if (!parsed.success) {
        context.log.warn(
          `catch-up from ${peer}: malformed page after ${after}; trying another peer`,
        )
        return false
      }
      page = parsed.data.data
    } catch (error) {
      context.log.warn(
        `catch-up from ${peer}: no page after ${after} (${(error as Error).message}); ` +
          'trying another peer',
      )
      return false
    }
    if (page.batches.length === 0) return false
    const bodies = page.batches.slice(0, target.index - after)
    // Hashed in slices (a page is ~2.5 MB of bodies): the append then only chains the digests.
    const slices = new WorkSlices(DEFAULT_WORK_PER_SLICE, nextMacrotask)
    const digests = await bodyDigestsInSlices(bodies, slices)
    // The log went back meanwhile (a forked tail dropped): the loop pages again from there.
    if (log.lastSequenced < after) continue
    const known = Math.max(0, log.lastSequenced - after)
    log.append(bodies.slice(known), digests.slice(known))
    after += bodies.length
    delivered += bodies.length
    // A malformed proof from a peer is ignored (the target proof decides); the others are
    // checked in slices with yields between them (a page may hold ~93,000), in growing groups
    // of one pairing check each, and those after a failing group are ignored too.
    const proofs = page.finalized_signatures.flatMap((raw) => {
      try {
        const proof = parseSignatureRecord(raw)
        return proof.index <= after ? [proof] : []
      } catch {
        return []
      }
    })
    const verdicts = await chain.verifyInSlices(app, proofs)
    for (const proof of proofs) {
      const verdict = verdicts.get(proof)
      if (typeof verdict !== 'string') chain.promote(app, proof, verdict === null)
    }
    // The pace so far, not the last page, judges the source: slow pages are no progress.
    const now = clock.now()
    const needed = ((now - time.started) / delivered) * (target.index - after)
    if (after < target.index && now + needed > time.deadline) {
      return tooSlow(context, peer, app, delivered, time)
    }
  }
  if (!chain.isOld(app, target)) {
    const refusal = chain.promote(app, target)
    if (refusal) {
      context.log.warn(`catch-up to ${target.index} of ${app} from ${peer} refused: ${refusal}`)
      return false
    }
  }
  context.log.info(`caught up ${app} to ${describe(target)} from ${peer}`)
  return true
}

function tooSlow(
  context: NodeContext,
  peer: string,
  app: string,
  delivered: number,
  time: SourceTime,
): false {
  const spent = context.clock.now() - time.started
  context.log.warn(
    `catch-up of ${app} from ${peer} too slow (${delivered} batches in ${spent} ms); ` +
      'trying another peer',
  )
  return false
}
