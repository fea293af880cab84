import { z } from 'zod'
import { parseSignatureRecord, type SignatureRecord } from '../../shared/zellular/index.ts'
import type { AppLogs } from './appLogs.ts'
import type { Chain } from './chain.ts'
import { unixSeconds } from './clock.ts'
import type { NodeContext } from './nodeContext.ts'
import type { Outbox } from './outbox.ts'
import { errorCode } from './peers.ts'
import { sizeKb, type SlidingWindowLimiter } from './rateLimiter.ts'
import type { SequencerPutRequest } from './sequencerApi.ts'
import type { RoleView } from './sequencerRole.ts'

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

type Outcome = 'caught_up' | 'behind' | 'report' | 'error'

/**
 * What a posting round tells the node: `not_sequencer` when the sequencer says it no longer is
 * (this node missed a switch and should ask the network, §8.7).
 */
export type PostSignal = 'not_sequencer' | undefined

/**
 * The node posting loop (zsequencer `node/tasks.py send_batches`, §8.2): forward queued client
 * batches to the sequencer and learn, from its answer, the batches, lock and finalization proofs
 * this node lacks. Repeats per app until caught up; the first round in which every app is caught
 * at once marks the node synced. Owns what the node knows of its link to the sequencer.
 */
export class BatchPoster {
  /** Set after the first full catch-up round; client routes answer 503 until then (never cleared). */
  #synced = false
  /** The last PUT failed or was answered with garbage: a dispute trigger. */
  #sequencerDown = false
  #notSequencerSeen = false

  constructor(
    private readonly context: NodeContext,
    private readonly role: RoleView,
    private readonly logs: AppLogs,
    private readonly chain: Chain,
    private readonly outbox: Outbox,
    /** The forwarding budget, shared with the client intake. */
    private readonly sendLimiter: SlidingWindowLimiter,
  ) {}

  get synced(): boolean {
    return this.#synced
  }

  get sequencerDown(): boolean {
    return this.#sequencerDown
  }

  /** A new sequencer: whether the old one answered says nothing about it. */
  forgetSequencer(): void {
    this.#sequencerDown = false
  }

  /** One posting round over every app. */
  async post(): Promise<PostSignal> {
    const { role } = this
    if (role.isSequencer || role.paused) return undefined
    this.#notSequencerSeen = false
    let caughtUpAtOnce = true
    for (const app of shuffled(this.logs.apps())) {
      for (let round = 1; ; round++) {
        const outcome = await this.postApp(app)
        if (outcome === 'error') caughtUpAtOnce = false
        if (outcome === 'error' || outcome === 'caught_up') break
        if (outcome === 'behind' && round === 1) caughtUpAtOnce = false
        // Reporting new proofs is bounded: at most one extra round trip per app and loop.
        if (outcome === 'report' && round > 1) break
        if (role.isSequencer || role.paused) return this.signal()
      }
    }
    if (caughtUpAtOnce && !this.#synced) {
      this.#synced = true
      this.context.log.info(`synced with sequencer ${role.sequencerId}`)
    }
    return this.signal()
  }

  private signal(): PostSignal {
    return this.#notSequencerSeen ? 'not_sequencer' : undefined
  }

  private async postApp(app: string): Promise<Outcome> {
    const { context, outbox } = this
    const log = this.logs.get(app)
    const bodies = outbox.take(app, this.sendLimiter.remainingKb(context.id))
    const request: SequencerPutRequest = context.hooks.alterReport({
      app_name: app,
      batches: bodies,
      sequenced_index: log.lastSequenced,
      sequenced_chaining_hash: log.chainingHashAt(log.lastSequenced),
      locked_index: log.lastLocked,
      locked_chaining_hash: log.chainingHashAt(log.lastLocked),
      finalized_index: log.lastFinalized,
      timestamp: unixSeconds(context.clock),
    })
    const sequencer = context.network.operator(this.role.sequencerId)
    if (!sequencer) return 'error'
    let answer: SequencerAnswer
    try {
      const timeoutMs = this.#synced ? 5_000 : 30_000
      const path = '/sequencer/batches'
      const response = await context.peers.send('PUT', sequencer, path, request, timeoutMs)
      if (response.status !== 200) {
        outbox.requeueUncertain(app, bodies)
        if (errorCode(response.body) === 'IsNotSequencerError') this.#notSequencerSeen = true
        else this.#sequencerDown = true
        return 'error'
      }
      const parsed = sequencerAnswerSchema.safeParse(response.body)
      if (!parsed.success) {
        outbox.requeueUncertain(app, bodies)
        this.#sequencerDown = true
        context.log.warn(`sequencer ${sequencer.id} sent a malformed answer for ${app}`)
        return 'error'
      }
      answer = parsed.data.data
    } catch {
      outbox.requeueUncertain(app, bodies)
      this.#sequencerDown = true
      return 'error'
    }
    this.sendLimiter.charge(
      context.id,
      bodies.reduce((sum, body) => sum + sizeKb(body), 0),
    )
    outbox.delivered(app, bodies)
    const progressBefore = log.lastLocked + log.lastFinalized
    this.applyAnswer(app, answer)
    this.#sequencerDown = false
    const dropped = outbox.checkEcho(app, bodies, answer.batches, this.isCompletePage(answer))
    if (dropped > 0) {
      context.log.warn(`sequencer ${sequencer.id} dropped ${dropped} batches of ${app}`)
    }
    if (answer.last_finalized_index > log.lastSequenced) return 'behind'
    // A new lock or finalization is reported back at once: the sequencer's next step waits on it.
    return log.lastLocked + log.lastFinalized > progressBefore ? 'report' : 'caught_up'
  }

  /** `sync_with_sequencer`: append the new bodies, then apply the lock and finalization proofs. */
  private applyAnswer(app: string, answer: SequencerAnswer): void {
    const { chain, context } = this
    const log = this.logs.get(app)
    chain.append(app, answer.batches, context.clock.now())
    const lock = parseOrNull(answer.last_locked_signature)
    if (lock && lock.index > log.lastLocked && lock.index <= log.lastSequenced) {
      const refusal = chain.promote(app, lock)
      if (refusal) context.log.warn(`lock ${lock.index} of ${app} refused: ${refusal}`)
    }
    for (const raw of answer.finalized_signatures) {
      const proof = parseOrNull(raw)
      if (!proof || proof.index <= log.lastFinalized) continue
      const refusal = chain.promote(app, proof)
      if (refusal) {
        context.log.warn(`finalization ${proof.index} of ${app} refused: ${refusal}`)
        break
      }
    }
  }

  /** A page with room for one more batch was not cut by the size cap: it holds everything. */
  private isCompletePage(answer: SequencerAnswer): boolean {
    const bytes = answer.batches.reduce((sum, body) => sum + Buffer.byteLength(body, 'utf8'), 0)
    return bytes + this.context.config.maxBatchSizeKb * 1024 <= this.context.pageCapBytes
  }
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
