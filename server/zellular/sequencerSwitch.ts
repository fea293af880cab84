import type { AppLogs } from './appLogs.ts'
import type { BatchPoster } from './batchPoster.ts'
import type { Chain } from './chain.ts'
import type { ClientIntake } from './clientIntake.ts'
import type { FinalizationWatch } from './finalizationWatch.ts'
import type { NodeContext } from './nodeContext.ts'
import type { Outbox } from './outbox.ts'
import { adoptPeersState, catchUpBudgetOf } from './peerCatchUp.ts'
import { discoverSequencer } from './sequencerDiscovery.ts'
import type { SequencerRole } from './sequencerRole.ts'
import type { Synchronizer } from './synchronizer.ts'

/** The parts whose view of the sequencer a switch resets. */
export interface SwitchParticipants {
  readonly logs: AppLogs
  readonly chain: Chain
  readonly outbox: Outbox
  readonly watch: FinalizationWatch
  readonly intake: ClientIntake
  readonly poster: BatchPoster
  readonly synchronizer: Synchronizer
}

/**
 * The one writer of who the sequencer is: switches after an approved dispute or switch request
 * (§8.6), recovery from a missed switch (§8.7) and the network's answer at start (§8.1).
 */
export class SequencerSwitch {
  /**
   * An approved switch that came while another was under way (`start`), carried out right
   * after it. Refused, it was lost: a new sequencer still setting up stayed one that its
   * followers had voted out, until it noticed their silence (`Synchronizer.isAbandoned`).
   */
  #deferred: { readonly next: string; readonly expectedCurrent: string } | undefined

  constructor(
    private readonly context: NodeContext,
    private readonly role: SequencerRole,
    private readonly parts: SwitchParticipants,
  ) {}

  /**
   * Moves the sequencer role to `next` (zsequencer `switch_to_sequencer`): pause, adopt the
   * highest lock and finalization any peer can prove, drop the old sequencer's unlocked tail,
   * put this node's own unlocked batches back in its queue, then resume. Unlike zsequencer,
   * queued client batches are kept when this node becomes the sequencer (its Q11), and a
   * follower resumes posting at once rather than after the setup deadline.
   */
  async switchTo(next: string, expectedCurrent: string): Promise<void> {
    const { context, role, parts } = this
    if (role.paused || role.sequencerId !== expectedCurrent || next === role.sequencerId) return
    role.pause()
    const previous = role.sequencerId
    context.log.warn(`SEQUENCER SWITCH ${previous} -> ${next}${next === context.id ? ' (me)' : ''}`)
    try {
      // The posting round under way ends first: what it sent is then known, sent or uncertain.
      await parts.poster.settle()
      role.follow(next)
      // One deadline for every app: paused, this node neither signs nor disputes, and followers
      // take a new sequencer's "paused" as "not yet" only so long.
      const deadline = context.clock.now() + catchUpBudgetOf(context.config)
      for (const app of parts.logs.apps()) {
        const finalizedBefore = parts.logs.get(app).lastFinalized
        await adoptPeersState(context, parts.logs, parts.chain, app, deadline)
        this.requeueUnlocked(app, finalizedBefore)
      }
      if (role.isSequencer) {
        for (const app of parts.logs.apps()) {
          parts.intake.sequenceOwn(app, parts.outbox.takeAll(app), context.clock.now())
        }
      }
      // A follower does not sleep the setup deadline here: see `BatchPoster.isSettingUp`.
    } finally {
      this.forgetPreviousSequencer()
      role.resume()
    }
    const deferred = this.#deferred
    this.#deferred = undefined
    if (deferred) this.start(deferred.next, deferred.expectedCurrent)
  }

  /**
   * Starts a switch in the background (a switch request, a dispute's outcome), or after the one
   * under way (`#deferred`). Its failure is logged: an unhandled rejection would end the
   * process, and one malformed peer answer must not take an honest node down.
   */
  start(next: string, expectedCurrent: string): void {
    if (this.role.paused) {
      this.#deferred = { next, expectedCurrent }
      return
    }
    this.switchTo(next, expectedCurrent).catch((error: unknown) => {
      this.context.log.error(
        `switch to ${next} failed: ${(error as Error)?.stack ?? String(error)}`,
      )
    })
  }

  /** At start: follow the sequencer the network follows (§8.1). */
  async join(): Promise<void> {
    const found = await discoverSequencer(this.context, this.role.sequencerId)
    // Followed by the network (see `recover`): become the sequencer as a switch does.
    if (found === this.context.id && found !== this.role.sequencerId) {
      return this.switchTo(found, this.role.sequencerId)
    }
    this.role.follow(found)
  }

  /** zsequencer's missed-switch recovery (§8.7): ask the network who the sequencer is. */
  async recover(): Promise<void> {
    const asked = this.role.sequencerId
    const found = await discoverSequencer(this.context, asked)
    // A switch made while the peers answered is newer than their answers: it stands.
    if (this.role.sequencerId !== asked || this.role.paused) return
    if (found === this.role.sequencerId) return
    // The network follows this node: take the role as a switch does, catching up first.
    if (found === this.context.id) return this.switchTo(found, this.role.sequencerId)
    this.context.log.info(`sequencer changed from ${this.role.sequencerId} to ${found} (recovered)`)
    this.adopt(found)
  }

  /** Recovery in the background, its failure logged (see `start`). */
  startRecovery(): void {
    this.recover().catch((error: unknown) =>
      this.context.log.error(
        `sequencer recovery failed: ${(error as Error)?.stack ?? String(error)}`,
      ),
    )
  }

  /**
   * Follows `sequencerId`, learned from the network rather than through a switch: the unlocked
   * tail goes, and client batches this node sent (or sequenced itself) go back to its queue.
   */
  adopt(sequencerId: string): void {
    this.role.follow(sequencerId)
    for (const [app, log] of this.parts.logs.entries()) this.requeueUnlocked(app, log.lastFinalized)
  }

  /**
   * Drops the sequenced-but-unlocked tail of `app` and re-queues this node's own batches that
   * are neither finalized nor in the locked prefix (see `Outbox.requeueUnlocked`).
   */
  private requeueUnlocked(app: string, finalizedBefore: number): void {
    const log = this.parts.logs.get(app)
    log.dropUnlocked()
    const locked = log.range(finalizedBefore, 'locked', Number.MAX_SAFE_INTEGER)
    const again = this.parts.outbox.requeueUnlocked(app, locked, log.lastFinalized)
    if (again > 0) this.context.log.info(`re-queued ${again} unlocked batches of ${app}`)
  }

  /** Forget everything learned about or from the previous sequencer. */
  private forgetPreviousSequencer(): void {
    const { parts } = this
    parts.synchronizer.forgetSequencer()
    parts.watch.clear()
    parts.outbox.forgetSequencer()
    parts.poster.forgetSequencer()
  }
}
