import { bls, type Network } from '../../shared/zellular/index.ts'
import { AppLogs } from './appLogs.ts'
import { BatchPoster } from './batchPoster.ts'
import { BatchStages } from './batchStages.ts'
import { Chain } from './chain.ts'
import { systemClock, type Clock } from './clock.ts'
import { ClientIntake } from './clientIntake.ts'
import { appsFileSchema, readSource, signSilenceBorderOf, type NodeConfig } from './config.ts'
import { Disputer } from './disputer.ts'
import { FinalizationWatch } from './finalizationWatch.ts'
import type { Logger } from './logger.ts'
import { Loop } from './loop.ts'
import type { NodeContext } from './nodeContext.ts'
import { honestHooks, type NodeHooks } from './nodeHooks.ts'
import { Outbox } from './outbox.ts'
import { PeerClient } from './peers.ts'
import { SlidingWindowLimiter } from './rateLimiter.ts'
import { SequencerInbox } from './sequencerApi.ts'
import { SequencerRole, type RoleView } from './sequencerRole.ts'
import { SequencerSwitch } from './sequencerSwitch.ts'
import { ProgressBell } from './progressBell.ts'
import { Synchronizer, type SynchronizeSignal } from './synchronizer.ts'

/**
 * How often the sequencer's rounds run while every batch is finalized (`wakeOnWork`): they find
 * nothing to sign then, and peers gone for `INACTIVE_AFTER_MS` (10 s) are still noticed in time.
 */
const IDLE_ROUND_INTERVAL_MS = 1_000

export interface ZellularNodeOptions {
  /** Honest unless a test wiring installs an adversary (`nodeHooks.ts`). */
  readonly hooks?: NodeHooks
  /** What a test adversary does on its own, once per node loop (`adversaryActions.ts`). */
  readonly misbehave?: (context: NodeContext) => Promise<void>
  /** The system clock unless a test drives time itself. */
  readonly clock?: Clock
  /** The batch store: `batches.sqlite` in the data directory unless a test passes another. */
  readonly logs?: AppLogs
}

/**
 * One Zellular node, in either role: the actors, each owning its state, wired together.
 *
 * - `logs` (`appLogs.ts`): every app's batch log over one SQLite file.
 * - `chain` (`chain.ts`): the one way sequences change (append, apply proofs).
 * - `outbox` (`outbox.ts`): client batches on their way to the sequencer, and what became of them.
 * - `watch` (`finalizationWatch.ts`): how long sequenced batches wait for finalization.
 * - `intake` (`clientIntake.ts`): client PUTs, queued (follower) or sequenced (sequencer).
 * - `poster` (`batchPoster.ts`): the node → sequencer loop; owns "synced" and "sequencer down".
 * - `inbox` (`sequencerApi.ts`): the sequencer's side of those PUTs.
 * - `synchronizer` (`synchronizer.ts`): the sequencer's rounds, locking and finalizing.
 * - `disputer` (`disputer.ts`): judges the sequencer and gathers votes to replace it.
 * - `switcher` (`sequencerSwitch.ts`): the one writer of who the sequencer is (`role`).
 *
 * Loops report what they cannot act on themselves (a missed switch, an abandoned sequencer) as
 * return values; the loops below route them to the switcher.
 */
export class ZellularNode {
  readonly context: NodeContext
  readonly role: RoleView
  readonly logs: AppLogs
  readonly chain: Chain
  readonly outbox: Outbox
  readonly watch: FinalizationWatch
  readonly intake: ClientIntake
  readonly poster: BatchPoster
  readonly inbox: SequencerInbox
  readonly synchronizer: Synchronizer
  readonly disputer: Disputer
  readonly switcher: SequencerSwitch
  /** When batches reached each stage here, for the latency waterfall (`GET /debug/…`). */
  readonly stages = new BatchStages()
  /** Rung whenever a sequence moves: wakes the long-polls held on this node. */
  readonly progress = new ProgressBell()
  readonly #loops: Loop[]

  constructor(
    config: NodeConfig,
    network: Network,
    secretKey: bls.SecretKey,
    id: string,
    apps: Iterable<string>,
    log: Logger,
    options: ZellularNodeOptions = {},
  ) {
    const selfId = id.toLowerCase()
    const self = network.operator(selfId)
    if (!self) throw new Error(`node ${selfId} is not in the nodes file`)
    const ownKey = bls.formatPoint(bls.publicKeyOf(secretKey))
    if (ownKey !== bls.formatPoint(self.publicKey)) {
      throw new Error(`the BLS key does not match the nodes-file entry of ${selfId}`)
    }
    // Each node may receive its share of the network bandwidth, split among the posting nodes.
    const receiveKb = config.bandwidthKbPerWindow / network.operators.size
    const posting = Math.max(1, network.withRole('posting').length)
    const clock = options.clock ?? systemClock
    this.context = {
      id: selfId,
      config,
      network,
      secretKey,
      peers: new PeerClient(selfId, secretKey, config.version, network, {
        now: clock.now,
        signatureHeader: config.signatureHeader,
      }),
      hooks: options.hooks ?? honestHooks,
      log,
      clock,
      pageCapBytes: Math.floor(receiveKb * 1024),
    }
    const context = this.context
    // A node that stops being the sequencer posts at once, not after its sequencer interval.
    let roleChanged = () => {}
    const initialSequencer = config.initSequencerId || lowestSequencingId(context)
    const role = new SequencerRole(selfId, initialSequencer, () => roleChanged())
    this.role = role
    this.logs = options.logs ?? AppLogs.open(config.dataDir)
    this.outbox = new Outbox(config)
    this.watch = new FinalizationWatch(config.finalizationTimeBorderMs, signSilenceBorderOf(config))
    const { stages, progress } = this
    const watchers = { stages, progress }
    this.chain = new Chain(
      this.logs,
      network,
      this.watch,
      this.outbox,
      config.pipelineLocks,
      watchers,
    )
    const sendLimiter = new SlidingWindowLimiter(
      receiveKb / posting,
      config.pushRateLimitWindowMs,
      clock.now,
    )
    const { outbox, chain } = this
    // With `wakeOnWork`, client batches end a held PUT and start a posting round at once.
    const queued = () => {
      this.poster.interrupt()
      postingLoop.wake()
    }
    const onQueued = config.wakeOnWork ? queued : undefined
    const clientLimiter = new SlidingWindowLimiter(
      ((receiveKb / posting) * config.clientSharePercent) / 100,
      config.pushRateLimitWindowMs,
      clock.now,
    )
    this.intake = new ClientIntake(selfId, role, outbox, chain, sendLimiter, clientLimiter, {
      stages,
      onQueued,
    })
    this.poster = new BatchPoster(context, role, this.logs, this.chain, this.outbox, sendLimiter)
    // With `pipelineRounds` a lane that applied a proof wakes the other (and itself): the next
    // round starts on that proof, not on a timer.
    const onApplied = config.pipelineRounds ? () => wakeSequencer() : undefined
    this.synchronizer = new Synchronizer(context, role, this.logs, this.chain, onApplied, () =>
      this.progress.ring(),
    )
    this.switcher = new SequencerSwitch(context, role, {
      logs: this.logs,
      chain: this.chain,
      outbox: this.outbox,
      watch: this.watch,
      intake: this.intake,
      poster: this.poster,
      synchronizer: this.synchronizer,
    })
    this.disputer = new Disputer(context, role, this.poster, this.outbox, this.watch, this.switcher)

    const recoverIf = (signal: SynchronizeSignal) => {
      if (signal === 'abandoned') this.switcher.startRecovery()
    }
    const { synchronizer, logs } = this
    // With `wakeOnWork` every answered PUT wakes the rounds, and only batches not yet finalized
    // give them work: with none, a round a second is left to notice that the peers are gone.
    const unfinalized = () =>
      logs.apps().some((app) => logs.get(app).lastSequenced > logs.get(app).lastFinalized)
    const roundIntervalMs = config.wakeOnWork
      ? () =>
          unfinalized()
            ? config.syncIntervalMs
            : Math.max(config.syncIntervalMs, IDLE_ROUND_INTERVAL_MS)
      : config.syncIntervalMs
    const roundLoop = (task: () => Promise<void>) =>
      new Loop(roundIntervalMs, task, clock, config.roundGapMs)
    const sequencerLoops = config.pipelineRounds
      ? [
          roundLoop(async () => recoverIf(await synchronizer.lock())),
          roundLoop(() => synchronizer.finalize()),
        ]
      : [roundLoop(async () => recoverIf(await synchronizer.run()))]
    const wakeSequencer = () => {
      for (const loop of sequencerLoops) loop.wakeSoon()
    }
    this.inbox = new SequencerInbox(
      context,
      this.logs,
      this.chain,
      this.synchronizer,
      wakeSequencer,
      receiveKb / posting,
    )
    const misbehave = options.misbehave
    // The sequencer posts nothing (client batches are sequenced on arrival) and disputes nobody:
    // with `wakeOnWork` its posting loop wakes once a second, not 20 times (an adversary's acts
    // keep their pace).
    const postingIntervalMs =
      config.wakeOnWork && misbehave === undefined
        ? () =>
            role.isSequencer
              ? Math.max(config.nodeLoopIntervalMs, IDLE_ROUND_INTERVAL_MS)
              : config.nodeLoopIntervalMs
        : config.nodeLoopIntervalMs
    const postingLoop = new Loop(
      postingIntervalMs,
      async () => {
        if ((await this.poster.post()) === 'not_sequencer') this.switcher.startRecovery()
        await this.disputer.disputeIfNeeded()
        if (misbehave !== undefined) await misbehave(context)
        if (this.poster.wantsAnotherRound) postingLoop.wake()
      },
      clock,
      config.wakeGapMs,
    )
    roleChanged = () => postingLoop.wakeSoon()
    this.#loops = [
      postingLoop,
      ...sequencerLoops,
      new Loop(config.fetchAppsAndNodesIntervalMs, () => this.refreshApps(), clock),
    ]
    for (const app of apps) this.addApp(app)
  }

  get id(): string {
    return this.context.id
  }

  /** Apps can be added while running and are never removed (zsequencer's rule). */
  addApp(app: string): void {
    if (this.logs.add(app)) this.outbox.addApp(app)
  }

  /** Starts the posting loop, the sequencer loop and the apps refresh. */
  start(): void {
    for (const loop of this.#loops) loop.start()
  }

  /** Stops the loops, waiting for their current rounds. */
  async stop(): Promise<void> {
    this.progress.close()
    await Promise.all(this.#loops.map((loop) => loop.stop()))
  }

  close(): void {
    this.logs.close()
  }

  private async refreshApps(): Promise<void> {
    try {
      const text = await readSource(this.context.config.appsFile)
      for (const app of Object.keys(appsFileSchema.parse(JSON.parse(text)))) this.addApp(app)
    } catch (error) {
      this.context.log.warn(`apps file not refreshed: ${(error as Error).message}`)
    }
  }
}

function lowestSequencingId(context: NodeContext): string {
  const ids = context.network
    .withRole('sequencing')
    .map((operator) => operator.id)
    .sort()
  return ids[0] ?? context.id
}
