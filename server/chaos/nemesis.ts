import { rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { signedBalanceSchema, statusResponseSchema } from '../../shared/api/index.ts'
import { signBalanceAttestation } from '../../shared/attest/index.ts'
import { nodeDiskFullFile, type ChaosCluster } from './chaosCluster.ts'
import type { History } from './history.ts'
import type { Link, LinkFault } from './proxy.ts'
import type { Random } from './random.ts'
import { FOLLOWER_FAULTS } from '../zellular/faults.ts'
import { corruptReplicaDatabase } from './corruptDatabase.ts'
import { sleep } from './workload.ts'

/*
 * The nemesis: faults on a schedule drawn from the seed, in two tracks that run side by side,
 * one for the Zellular nodes and one for the replicas, each with at most one fault at a time.
 * So at most one node of four and one replica of three are faulty at once: the fault model the
 * system claims to survive. A faulty node may crash, stall, be cut off or lie (`byzantine`:
 * restarted with `ZSEQUENCER_FAULTS`); on request, find its disk full; a faulty replica may
 * crash, stall, be cut off, find its disk full or lie; on request, be wiped or have its database
 * corrupted. Every fault is healed before the run ends.
 */

export type NodeFaultKind = 'kill' | 'pause' | 'partition' | 'byzantine' | 'disk-full'
export type ReplicaFaultKind =
  'kill' | 'pause' | 'partition' | 'disk-full' | 'lie' | 'wipe' | 'corrupt'
export const NODE_FAULT_KINDS: readonly NodeFaultKind[] = [
  'kill',
  'pause',
  'partition',
  'byzantine',
]

/**
 * Node faults only on request (`--node-faults …,disk-full`): the default mix keeps the plans
 * earlier seeds drew. A node's full disk (`server/zellular/diskFault.ts`, on a running node)
 * lasts 12–20 s; leading, it steps aside (`Synchronizer.cannotStore`) and is replaced.
 */
export const OPTIONAL_NODE_FAULT_KINDS: readonly NodeFaultKind[] = ['disk-full']

/**
 * What a Byzantine node does (`server/zellular/faults.ts`), one or two at once. It comes back as
 * a follower (its restart makes the network replace it if it led), so the sequencer's own faults
 * are `byzantine.test`'s, but for `finalize-twice` and withholding finalizations or locks, which
 * act if a later switch makes it the sequencer; `huge-pages` is left out, its 96 MiB answers
 * would starve two cores.
 */
const BYZANTINE_BEHAVIOURS = [
  ...FOLLOWER_FAULTS.filter((name) => name !== 'huge-pages'),
  'finalize-twice',
  'withhold-finalizations',
  'withhold-locks',
] as const
export const REPLICA_FAULT_KINDS: readonly ReplicaFaultKind[] = [
  'kill',
  'pause',
  'partition',
  'disk-full',
  'lie',
]

/**
 * Replica faults only on request (`--replica-faults …,wipe,corrupt`): the ten-seed runs of the
 * default mix were made without them, a wipe (a whole-state snapshot, rebuilt and written) is the
 * heaviest fault for the 60 s run of `npm test` on two cores, and a corruption holds its track
 * until the replica healed, up to a minute. The checker judges wiped replicas by the history they
 * hold (`agreementNeeded`), corrupted ones by their `/status` (`corruptionWindows.ts`).
 */
export const OPTIONAL_REPLICA_FAULT_KINDS: readonly ReplicaFaultKind[] = ['wipe', 'corrupt']

/**
 * The fault kinds a `--node-faults` / `--replica-faults` list names (comma-separated), or
 * `byDefault` when it is not given; a kind outside `allowed` is an error.
 */
export function chosenFaultKinds<kind extends string>(
  text: string | undefined,
  byDefault: readonly kind[],
  allowed: readonly kind[],
): kind[] {
  if (text === undefined) return [...byDefault]
  const chosen = text.split(',').filter((item) => item !== '')
  for (const item of chosen) {
    if (!allowed.includes(item as kind)) throw new Error(`unknown fault ${item}; one of ${allowed}`)
  }
  return chosen as kind[]
}

/** One planned fault. */
export interface PlannedFault {
  readonly track: 'node' | 'replica'
  readonly kind: NodeFaultKind | ReplicaFaultKind
  /** Position of the node or replica. */
  readonly target: number
  /** Pause before it starts (after the previous one of its track healed), ms. */
  readonly gapMs: number
  /** How long it lasts, ms. */
  readonly holdMs: number
  /** Partitions: how links are broken, which way, and toward whom. */
  readonly link?: LinkFault
  readonly direction?: 'in' | 'out' | 'both'
  /** Partitions of a node: the other nodes it is cut from (all, or some). */
  readonly peers?: readonly number[]
  /** Disk full: commits that still succeed after the restart. */
  readonly commitsBeforeFull?: number
  /** Byzantine node: its `ZSEQUENCER_FAULTS` until it is restarted honest. */
  readonly behaviour?: string
  /** Corrupt: which non-zero balance row is edited (`corruptReplicaDatabase`'s pick). */
  readonly rowPick?: number
}

/** The faults of both tracks for a run of `durationMs`, drawn from `random` alone. */
export function planFaults(
  random: Random,
  durationMs: number,
  kinds: { node: readonly NodeFaultKind[]; replica: readonly ReplicaFaultKind[] },
): PlannedFault[] {
  const plan: PlannedFault[] = []
  for (const track of ['node', 'replica'] as const) {
    const choices = kinds[track]
    if (choices.length === 0) continue
    const count = track === 'node' ? 4 : 3
    // Leave the end quiet: every fault heals, and the last batches apply, before the checker.
    let atMs = 0
    for (;;) {
      const gapMs = random.between(1_500, 5_000)
      const holdMs = random.between(2_000, 8_000)
      if (atMs + gapMs + holdMs > durationMs - 4_000) break
      atMs += gapMs + holdMs
      const kind = random.pick(choices)
      // The first replica is never wiped nor corrupted (a heal is a state sync too): like an
      // archive node it keeps the whole history, so the checker can still tell what was
      // committed at every index a client read.
      const fresh = kind === 'wipe' || kind === 'corrupt'
      const target = fresh ? 1 + random.int(count - 1) : random.int(count)
      const fault: PlannedFault = { track, kind, target, gapMs, holdMs }
      if (kind === 'partition') {
        const link: LinkFault = random.pick([
          { kind: 'cut' },
          { kind: 'drop' },
          { kind: 'delay', ms: random.between(100, 1_500) },
        ])
        const direction = random.pick(['in', 'out', 'both'] as const)
        const others = [0, 1, 2, 3].filter((position) => position !== target)
        const peers = random.chance(0.5) ? others : others.filter(() => random.chance(0.5))
        plan.push({ ...fault, link, direction, peers: peers.length === 0 ? others : peers })
      } else if (kind === 'disk-full' && track === 'node') {
        plan.push({ ...fault, holdMs: random.between(12_000, 20_000) })
      } else if (kind === 'disk-full') {
        // Long enough for the restart, a few commits and the halt (commits come grouped).
        const holdMs = random.between(10_000, 14_000)
        plan.push({ ...fault, holdMs, commitsBeforeFull: random.between(0, 6) })
      } else if (kind === 'byzantine') {
        // Long enough to outlast the restart and be felt by its peers.
        const holdMs = random.between(8_000, 16_000)
        const first = random.pick(BYZANTINE_BEHAVIOURS)
        const second = random.chance(0.5) ? random.pick(BYZANTINE_BEHAVIOURS) : first
        const behaviour = [...new Set([first, second])].join(',')
        plan.push({ ...fault, holdMs, behaviour })
      } else if (kind === 'corrupt') {
        // The longest it waits for the heal: the restart, a root checkpoint its peers sign too,
        // two divergence checks (`REPLICA_DIVERGENCE_CHECK_MS`, 5 s) and a state sync.
        const holdMs = random.between(40_000, 60_000)
        plan.push({ ...fault, holdMs, rowPick: random.int(1_000_000) })
      } else plan.push(fault)
    }
  }
  return plan
}

/** Describes a planned fault in a few words, e.g. `node-2 partition drop in`. */
export function describeFault(cluster: ChaosCluster, fault: PlannedFault): string {
  const names = fault.track === 'node' ? cluster.nodeNames : cluster.replicaNames
  const parts = [names[fault.target]!, fault.kind]
  if (fault.link !== undefined) {
    parts.push(fault.link.kind === 'delay' ? `delay ${fault.link.ms}ms` : fault.link.kind)
    parts.push(fault.direction ?? '')
    if (fault.track === 'node' && fault.peers!.length < 3) {
      parts.push(`from ${fault.peers!.map((peer) => cluster.nodeNames[peer]).join(',')}`)
    }
  }
  if (fault.commitsBeforeFull !== undefined) parts.push(`after ${fault.commitsBeforeFull} commits`)
  if (fault.behaviour !== undefined) parts.push(fault.behaviour)
  return parts.join(' ')
}

/** What the lying replica told, so the checker can tell its catches from real anomalies. */
export interface ToldLies {
  readonly signatures: Set<string>
  readonly stateHashes: Set<string>
}

/** Runs the plan against the cluster; resolves once every fault is healed. */
export class Nemesis {
  readonly lies: ToldLies = { signatures: new Set(), stateHashes: new Set() }
  private readonly active = new Map<'node' | 'replica', string>()
  readonly injected = new Map<string, number>()

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly history: History,
    private readonly random: Random,
  ) {}

  /** The faults active now, e.g. `['node-2 kill']`. */
  activeFaults(): string[] {
    return [...this.active.values()]
  }

  /**
   * Runs each track's faults in order. Restarts take as long as they take, so a track can fall
   * behind its plan: a fault that would no longer heal `quietMs` before `endMs` (ms since the
   * run started) is skipped, and noted as such.
   */
  async run(plan: readonly PlannedFault[], endMs: number, quietMs = 4_000): Promise<void> {
    await Promise.all(
      (['node', 'replica'] as const).map(async (track) => {
        for (const fault of plan.filter((planned) => planned.track === track)) {
          await sleep(fault.gapMs)
          if (this.history.now() + fault.holdMs > endMs - quietMs) {
            this.note('note', fault, 'skipped: the run ends before it would heal')
            continue
          }
          await this.inject(fault)
        }
      }),
    )
  }

  private note(phase: 'start' | 'heal' | 'note', fault: PlannedFault, detail?: string): void {
    this.history.add({
      kind: 'nemesis',
      atMs: this.history.now(),
      phase,
      fault: fault.kind,
      target: describeFault(this.cluster, fault),
      process: (fault.track === 'node' ? this.cluster.nodeNames : this.cluster.replicaNames)[
        fault.target
      ]!,
      ...(detail === undefined ? {} : { detail }),
    })
  }

  private async inject(fault: PlannedFault): Promise<void> {
    const description = describeFault(this.cluster, fault)
    const kindKey = `${fault.track} ${fault.kind}`
    this.injected.set(kindKey, (this.injected.get(kindKey) ?? 0) + 1)
    this.active.set(fault.track, description)
    this.note('start', fault)
    try {
      if (fault.track === 'node') await this.injectNodeFault(fault)
      else await this.injectReplicaFault(fault)
    } catch (error) {
      this.note('note', fault, `while injecting or healing: ${String(error)}`)
      await this.ensureRunning(fault.track, fault.target)
    } finally {
      this.active.delete(fault.track)
      this.note('heal', fault)
    }
  }

  private async injectNodeFault(fault: PlannedFault): Promise<void> {
    const { nodes, mesh, nodeNames, replicaNames } = this.cluster
    const name = nodeNames[fault.target]!
    switch (fault.kind) {
      case 'kill':
        await nodes.kill(fault.target, 'SIGKILL')
        await sleep(fault.holdMs)
        await nodes.restart(fault.target)
        return
      case 'pause':
        nodes.processes[fault.target]!.child.kill('SIGSTOP')
        await sleep(fault.holdMs)
        nodes.processes[fault.target]!.child.kill('SIGCONT')
        return
      case 'byzantine':
        // Restarted with its faults on, then again honest, whatever happens in between (the
        // healing after a failure only restarts a process that is down): its data folder is
        // kept throughout.
        try {
          await nodes.restart(fault.target, { ZSEQUENCER_FAULTS: fault.behaviour! })
          await sleep(fault.holdMs)
        } finally {
          await nodes.restart(fault.target)
        }
        return
      case 'disk-full': {
        // Its disk fills while it runs (its batch store capped at its size: SQLITE_FULL) and is
        // freed at the heal: it must neither exit nor sign what it could not store, be replaced
        // if it leads, and then catch up.
        const full = nodeDiskFullFile(this.cluster.dir, name)
        writeFileSync(full, '')
        try {
          await sleep(fault.holdMs)
        } finally {
          rmSync(full, { force: true })
        }
        return
      }
      case 'partition': {
        const peers = new Set(fault.peers!.map((peer) => nodeNames[peer]!))
        // Replicas see the node as its peers do: cut off when all peers are.
        const reach = (other: string) =>
          peers.has(other) || (peers.size === 3 && replicaNames.includes(other))
        const select = (link: Link) =>
          (fault.direction !== 'in' && link.from === name && reach(link.to)) ||
          (fault.direction !== 'out' && link.to === name && reach(link.from))
        mesh.setFaults(select, fault.link)
        await sleep(fault.holdMs)
        mesh.setFaults(select, undefined)
        return
      }
      default:
        throw new Error(`no node fault ${fault.kind}`)
    }
  }

  private async injectReplicaFault(fault: PlannedFault): Promise<void> {
    const { replicas, mesh, replicaNames } = this.cluster
    const name = replicaNames[fault.target]!
    switch (fault.kind) {
      case 'kill':
        await replicas.kill(fault.target, 'SIGKILL')
        await sleep(fault.holdMs)
        await replicas.restart(fault.target)
        return
      case 'pause':
        replicas.processes[fault.target]!.child.kill('SIGSTOP')
        await sleep(fault.holdMs)
        replicas.processes[fault.target]!.child.kill('SIGCONT')
        return
      case 'partition': {
        const select = (link: Link) =>
          (fault.direction !== 'in' && link.from === name) ||
          (fault.direction !== 'out' && link.to === name)
        mesh.setFaults(select, fault.link)
        await sleep(fault.holdMs)
        mesh.setFaults(select, undefined)
        return
      }
      case 'disk-full': {
        // The replica restarts on a disk that fills after a few commits; a failed commit must
        // halt it (503 replica_halted, then exit non-zero). Healing frees the disk: a restart.
        const started = Date.now()
        await replicas
          .restart(fault.target, {
            REPLICA_TEST_DISK_FULL_AFTER_COMMITS: String(fault.commitsBeforeFull),
          })
          .catch((error: unknown) => this.note('note', fault, `start: ${String(error)}`))
        const running = replicas.processes[fault.target]!
        const code = await Promise.race([
          running.exited,
          sleep(Math.max(0, fault.holdMs - (Date.now() - started))).then(() => 'running' as const),
        ])
        this.note(
          'note',
          fault,
          `disk full: the replica ${code === 'running' ? 'still runs' : `exited with ${code}`}`,
        )
        await replicas.restart(fault.target)
        return
      }
      case 'wipe': {
        // A replica added mid-run: its database is lost (the pending journal kept, as an
        // operator restoring a replica would), and it starts again by state sync from its peers
        // through the mesh. Until a quorum root matches a snapshot it may exit; it is asked
        // again, then restarted as usual once its database holds a state.
        await replicas.kill(fault.target, 'SIGKILL')
        const { databaseFile } = this.cluster.prepared.replicas[fault.target]!
        for (const suffix of ['', '-wal', '-shm'])
          rmSync(`${databaseFile}${suffix}`, { force: true })
        for (let attempt = 1; attempt <= 3; attempt++) {
          try {
            await replicas.restart(fault.target, { REPLICA_STATE_SYNC: 'peers' })
            break
          } catch (error) {
            this.note('note', fault, `state sync attempt ${attempt}: ${String(error)}`)
          }
        }
        await sleep(fault.holdMs)
        return
      }
      case 'corrupt': {
        // Its database edited while it is stopped (a bad disk, an operator's mistake): restarted,
        // it holds a state nobody else has, must find itself diverged (503 replica_diverged
        // meanwhile) and heal by state sync in its process. The track waits for that, up to
        // the hold; a replica that exits instead is restarted.
        await replicas.kill(fault.target, 'SIGTERM')
        const { databaseFile } = this.cluster.prepared.replicas[fault.target]!
        const detail = corruptReplicaDatabase(databaseFile, fault.rowPick!)
        this.history.add({
          kind: 'corruption',
          atMs: this.history.now(),
          replica: fault.target,
          replicaId: name,
          detail,
        })
        await replicas.restart(fault.target)
        this.note('note', fault, await this.untilHealed(fault.target, fault.holdMs))
        await this.ensureRunning('replica', fault.target)
        return
      }
      case 'lie': {
        mesh.setRewriter(name, this.liar(fault.target))
        await sleep(fault.holdMs)
        mesh.setRewriter(name, undefined)
        return
      }
      default:
        throw new Error(`no replica fault ${fault.kind}`)
    }
  }

  /**
   * A Byzantine replica without touching its code: its answers are rewritten on the way out and
   * re-signed with its own key. About half of its balances are raised by a random amount, so it
   * both contradicts the others and contradicts itself; every `/status` names a made-up hash.
   */
  private liar(position: number) {
    const secretKey = this.cluster.replicaSecretKeys[position]!
    const random = this.random
    return (path: string, status: number, body: Buffer): Buffer | undefined => {
      if (status !== 200) return undefined
      if (path.startsWith('/balance?') && random.chance(0.5)) {
        const signed = signedBalanceSchema.parse(JSON.parse(body.toString('utf8')))
        const raised = BigInt(signed.attestation.available) + BigInt(random.between(1, 1_000_000))
        const lie = signBalanceAttestation(secretKey, {
          ...signed.attestation,
          available: raised.toString(),
        })
        this.lies.signatures.add(lie.signature)
        this.history.add({
          kind: 'lie',
          atMs: this.history.now(),
          replica: position,
          path,
          told: `${lie.attestation.available} for ${signed.attestation.available}`,
        })
        return Buffer.from(JSON.stringify(lie))
      }
      if (path.startsWith('/status')) {
        const answer = statusResponseSchema.parse(JSON.parse(body.toString('utf8')))
        const stateHash = `0x${randomBytes(32).toString('hex')}`
        this.lies.stateHashes.add(stateHash)
        return Buffer.from(JSON.stringify({ ...answer, stateHash }))
      }
      return undefined
    }
  }

  /**
   * Polls the replica's own `/status` until it said it diverged and then no longer does, for at
   * most `holdMs`; says what it saw. The checker judges the same from the workload's polls.
   */
  private async untilHealed(position: number, holdMs: number): Promise<string> {
    const url = this.cluster.directUrls[position]!
    const { child } = this.cluster.replicas.processes[position]!
    const started = Date.now()
    let divergedAfterMs: number | undefined
    while (Date.now() - started < holdMs) {
      if (child.exitCode !== null || child.signalCode !== null) {
        return `exited (${child.exitCode ?? child.signalCode}) after ${Date.now() - started} ms`
      }
      const status = await fetch(`${url}/status`, { signal: AbortSignal.timeout(1_000) })
        .then(async (response) => statusResponseSchema.parse(await response.json()))
        .catch(() => undefined)
      if (status?.diverged !== undefined) divergedAfterMs ??= Date.now() - started
      else if (status !== undefined && divergedAfterMs !== undefined) {
        return `diverged after ${divergedAfterMs} ms, healed after ${Date.now() - started} ms`
      }
      await sleep(250)
    }
    return divergedAfterMs === undefined
      ? `not diverged within ${holdMs} ms`
      : `diverged after ${divergedAfterMs} ms, not healed within ${holdMs} ms`
  }

  /** Restarts a process of the track that is not running (after a failed step). */
  private async ensureRunning(track: 'node' | 'replica', position: number): Promise<void> {
    const group = track === 'node' ? this.cluster.nodes : this.cluster.replicas
    const running = group.processes[position]!
    running.child.kill('SIGCONT')
    if (running.child.exitCode !== null || running.child.signalCode !== null) {
      await group.restart(position).catch(() => undefined)
    }
  }

  /** Heals everything: every link, every lie, every paused or dead process. */
  async healAll(): Promise<void> {
    this.cluster.mesh.healAll()
    for (const track of ['node', 'replica'] as const) {
      const group = track === 'node' ? this.cluster.nodes : this.cluster.replicas
      for (const position of group.processes.keys()) await this.ensureRunning(track, position)
    }
  }
}
