import { z } from 'zod'
import { parseSignatureRecord, type SignatureRecord } from '../../shared/zellular/index.ts'
import { errorCode } from './peers.ts'
import { addOne, removeOne, type ZellularNode } from './node.ts'
import { sizeKb } from './rateLimiter.ts'
import type { SequencerPutRequest } from './sequencerApi.ts'

/**
 * The sequencer's answer to `PUT /sequencer/batches`, checked before use: a Byzantine sequencer
 * may answer anything, and a malformed answer counts as no answer (it leads to a dispute).
 */
const sequencerAnswerSchema = z.object({
  data: z.object({
    batches: z.array(z.string()),
    last_finalized_index: z.number().int().nonnegative(),
    finalized_signatures: z.array(z.unknown()),
    last_locked_signature: z.unknown(),
  }),
})
type SequencerAnswer = z.output<typeof sequencerAnswerSchema>['data']

/**
 * The node posting loop (zsequencer `node/tasks.py send_batches`, §8.2): forward queued client
 * batches to the sequencer and learn, from its answer, the batches, lock and finalization proofs
 * this node lacks. Repeats per app until caught up; the first round in which every app is caught
 * at once marks the node synced.
 */
export async function postBatches(node: ZellularNode): Promise<void> {
  if (node.isSequencer || node.paused) return
  let caughtUpAtOnce = true
  for (const app of shuffled([...node.logs.keys()])) {
    for (let round = 1; ; round++) {
      const outcome = await postAppBatches(node, app)
      if (outcome === 'error') caughtUpAtOnce = false
      if (outcome === 'error' || outcome === 'caught_up') break
      if (outcome === 'behind' && round === 1) caughtUpAtOnce = false
      // Reporting new proofs is bounded: at most one extra round trip per app and loop.
      if (outcome === 'report' && round > 1) break
      if (node.isSequencer || node.paused) return
    }
  }
  if (caughtUpAtOnce && !node.synced) {
    node.synced = true
    node.log.info(`synced with sequencer ${node.sequencerId}`)
  }
}

type Outcome = 'caught_up' | 'behind' | 'report' | 'error'

async function postAppBatches(node: ZellularNode, app: string): Promise<Outcome> {
  const log = node.appLog(app)
  const bodies = node.queues.get(app)!.takeWithinKb(node.sendLimiter.remainingKb(node.id))
  const request: SequencerPutRequest = node.hooks.alterReport({
    app_name: app,
    batches: bodies,
    sequenced_index: log.lastSequenced,
    sequenced_chaining_hash: log.chainingHashAt(log.lastSequenced),
    locked_index: log.lastLocked,
    locked_chaining_hash: log.chainingHashAt(log.lastLocked),
    finalized_index: log.lastFinalized,
    timestamp: Math.floor(Date.now() / 1000),
  })
  const sequencer = node.network.operator(node.sequencerId)
  if (!sequencer) return 'error'
  let answer: SequencerAnswer
  try {
    const timeoutMs = node.synced ? 5_000 : 30_000
    const response = await node.peers.send(
      'PUT',
      sequencer,
      '/sequencer/batches',
      request,
      timeoutMs,
    )
    if (response.status !== 200) {
      requeueUncertain(node, app, bodies)
      if (errorCode(response.body) === 'IsNotSequencerError') node.onNotSequencer?.()
      else node.sequencerDown = true
      return 'error'
    }
    const parsed = sequencerAnswerSchema.safeParse(response.body)
    if (!parsed.success) {
      requeueUncertain(node, app, bodies)
      node.sequencerDown = true
      node.log.warn(`sequencer ${node.sequencerId} sent a malformed answer for ${app}`)
      return 'error'
    }
    answer = parsed.data.data
  } catch {
    requeueUncertain(node, app, bodies)
    node.sequencerDown = true
    return 'error'
  }
  node.sendLimiter.charge(
    node.id,
    bodies.reduce((sum, body) => sum + sizeKb(body), 0),
  )
  const probes = node.probes.get(app)!
  const sent = node.unfinalizedSent.get(app)!
  const uncertain = node.uncertain.get(app)!
  for (const body of bodies) {
    removeOne(uncertain, body)
    if (!probes.has(body)) addOne(sent, body)
  }
  const progressBefore = log.lastLocked + log.lastFinalized
  applyAnswer(node, app, answer)
  node.sequencerDown = false
  checkCensorship(node, app, bodies, answer.batches, isCompletePage(node, answer.batches))
  if (answer.last_finalized_index > log.lastSequenced) return 'behind'
  // A new lock or finalization is reported back at once: the sequencer's next step waits on it.
  return log.lastLocked + log.lastFinalized > progressBefore ? 'report' : 'caught_up'
}

/**
 * A PUT that failed may still have been sequenced (the sequencer can die after sequencing and
 * before answering), so the bodies go back to the queue marked uncertain; a switch drops them
 * if the adopted locked prefix already holds them.
 */
function requeueUncertain(node: ZellularNode, app: string, bodies: string[]): void {
  node.queues.get(app)!.pushFront(bodies)
  const uncertain = node.uncertain.get(app)!
  for (const body of bodies) addOne(uncertain, body)
}

/** `sync_with_sequencer`: append the new bodies, then apply the lock and finalization proofs. */
function applyAnswer(node: ZellularNode, app: string, answer: SequencerAnswer): void {
  const log = node.appLog(app)
  const from = log.lastSequenced
  log.append(answer.batches)
  node.trackSequenced(app, from, log.lastSequenced)
  const lock = parseOrNull(answer.last_locked_signature)
  if (lock && lock.index > log.lastLocked && lock.index <= log.lastSequenced) {
    const refusal = node.promote(app, lock)
    if (refusal) node.log.warn(`lock ${lock.index} of ${app} refused: ${refusal}`)
  }
  for (const raw of answer.finalized_signatures) {
    const proof = parseOrNull(raw)
    if (!proof || proof.index <= log.lastFinalized) continue
    const refusal = node.promote(app, proof)
    if (refusal) {
      node.log.warn(`finalization ${proof.index} of ${app} refused: ${refusal}`)
      break
    }
  }
}

/**
 * Censorship check. zsequencer compares the bodies just sent with the page returned, which
 * misfires when the page is cut by the size cap (its Q10). Here a sent body stays "awaiting" until
 * it appears in some answer; only when an uncut page still lacks it is the sequencer censoring:
 * the bodies go back to the queue and the app is marked.
 */
function checkCensorship(
  node: ZellularNode,
  app: string,
  sent: string[],
  returned: string[],
  complete: boolean,
) {
  const awaiting = node.awaitingEcho.get(app)!
  const probes = node.probes.get(app)!
  for (const body of sent) addOne(awaiting, body)
  for (const body of returned) if (removeOne(awaiting, body)) probes.delete(body)
  if (!complete) return
  if (awaiting.size === 0) {
    node.censoredApps.delete(app)
    return
  }
  const missing: string[] = []
  for (const [body, count] of awaiting) for (let i = 0; i < count; i++) missing.push(body)
  awaiting.clear()
  // A dropped probe proves censorship but is the disputing node's batch, not ours to resend.
  const own = missing.filter((body) => !probes.delete(body))
  const sentSet = node.unfinalizedSent.get(app)!
  for (const body of own) removeOne(sentSet, body)
  node.queues.get(app)!.pushFront(own)
  node.censoredApps.add(app)
  node.log.warn(`sequencer ${node.sequencerId} dropped ${missing.length} batches of ${app}`)
}

/** A page with room for one more batch was not cut by the size cap: it holds everything. */
function isCompletePage(node: ZellularNode, bodies: string[]): boolean {
  const bytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body, 'utf8'), 0)
  return bytes + node.config.maxBatchSizeKb * 1024 <= node.pageCapBytes
}

function parseOrNull(raw: unknown): SignatureRecord | null {
  if (raw === null || raw === undefined) return null
  try {
    return parseSignatureRecord(raw)
  } catch {
    return null
  }
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}
