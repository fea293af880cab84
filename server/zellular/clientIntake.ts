import type { BatchStages } from './batchStages.ts'
import type { Chain } from './chain.ts'
import { ZsequencerHttpError } from './httpErrors.ts'
import type { AppBatches, Outbox } from './outbox.ts'
import { sizeKb, type SlidingWindowLimiter } from './rateLimiter.ts'
import type { RoleView } from './sequencerRole.ts'

/**
 * Where client batches (single or bulk PUT) enter a node: a follower queues them for its
 * sequencer; the sequencer sequences them at once, within its own forwarding budget.
 */
export class ClientIntake {
  constructor(
    private readonly selfId: string,
    private readonly role: RoleView,
    private readonly outbox: Outbox,
    private readonly chain: Chain,
    /** The forwarding budget the poster also spends: one budget per node, as in zsequencer. */
    private readonly sendLimiter: SlidingWindowLimiter,
    /** As the sequencer, each client's share of `sendLimiter`'s budget, per client address. */
    private readonly clientLimiter: SlidingWindowLimiter,
    private readonly watchers: {
      /** Observability only: when client batches were taken (the latency waterfall). */
      readonly stages?: BatchStages
      /** A follower queued client batches: the posting loop should run now. */
      readonly onQueued?: () => void
    } = {},
  ) {}

  /**
   * Takes `client`'s batches (`clientKey`), all or none (a refused client sends the whole
   * request again), or throws 429 BatchesLimitExceededError.
   */
  accept(client: string, requested: readonly AppBatches[], now: number): void {
    const batches = requested.filter(({ bodies }) => bodies.length > 0)
    if (batches.length === 0) return
    const { stages, onQueued } = this.watchers
    if (!this.role.isSequencer) {
      this.outbox.enqueue(client, batches)
      for (const { app, bodies } of batches) stages?.accepted(app, bodies)
      return onQueued?.()
    }
    const { sendLimiter, clientLimiter, selfId } = this
    let kb = 0
    for (const { bodies } of batches) for (const body of bodies) kb += sizeKb(body)
    if (kb > sendLimiter.remainingKb(selfId) || kb > clientLimiter.remainingKb(client)) {
      throw new ZsequencerHttpError('BatchesLimitExceededError')
    }
    sendLimiter.charge(selfId, kb)
    clientLimiter.charge(client, kb)
    for (const { app, bodies } of batches) {
      stages?.accepted(app, bodies)
      this.sequenceOwn(app, bodies, now)
    }
  }

  /**
   * As the sequencer: sequences client batches this node took itself, remembering them as sent
   * until finalized. Should this node lose the role before they are locked (a pause, a
   * partition, a missed switch), the switch puts them back in its queue for the next
   * sequencer: only this node ever had them. zsequencer drops them with the unlocked tail.
   */
  sequenceOwn(app: string, bodies: readonly string[], now: number): void {
    this.outbox.sequencedOwn(app, bodies)
    this.chain.append(app, bodies, now)
  }
}
