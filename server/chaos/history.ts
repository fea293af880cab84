import { createWriteStream, type WriteStream } from 'node:fs'
import type {
  AggregateBalanceResponse,
  SignedBalance,
  StatusResponse,
} from '../../shared/api/index.ts'
import type { WireIntent } from '../../shared/intents/index.ts'

/*
 * Everything the clients did and saw, and every fault, with times in ms since the run started.
 * Written as JSON lines while the run goes (so a crash of the harness still leaves it) and kept
 * in memory for the checker.
 */

/** The outcome of one submission, as the client saw it. */
export type SubmitOutcome =
  /** 202 with the intent id: the replica took it. */
  | 'ack'
  /** 4xx with a reason: refused before it was sent to Zellular. */
  | 'rejected'
  /** Timeout, connection error or 5xx: it may or may not have been sent. */
  | 'unknown'

export interface SubmitRecord {
  readonly kind: 'submit'
  readonly action: 'transfer' | 'order' | 'cancel' | 'mint'
  readonly replica: number
  readonly intentId: string
  readonly intent: WireIntent
  readonly startMs: number
  readonly endMs: number
  readonly outcome: SubmitOutcome
  /** The 202's status (`pending` or `unknown`), or the error code. */
  readonly detail: string
  readonly httpStatus?: number
  /** Faults active when it was sent. */
  readonly faults: readonly string[]
}

export interface ReadRecord {
  readonly kind: 'read'
  readonly replica: number
  readonly startMs: number
  readonly endMs: number
  readonly ok: boolean
  readonly detail: string
  readonly signed?: SignedBalance
  /** The signature verified against the registry key of the replica asked. */
  readonly valid?: boolean
}

interface AggregateRecord {
  readonly kind: 'aggregate'
  readonly replica: number
  readonly startMs: number
  readonly endMs: number
  readonly ok: boolean
  readonly detail: string
  readonly answer?: AggregateBalanceResponse
  readonly valid?: boolean
}

interface BookRecord {
  readonly kind: 'book'
  readonly replica: number
  readonly atMs: number
  readonly index: number
  readonly bestBid?: string
  readonly bestAsk?: string
}

export interface StatusRecord {
  readonly kind: 'status'
  readonly replica: number
  readonly atMs: number
  /** Read through the mesh (what clients see) or on the replica's own port (the timeline). */
  readonly via: 'mesh' | 'direct'
  readonly status: StatusResponse
}

interface NemesisRecord {
  readonly kind: 'nemesis'
  readonly atMs: number
  readonly phase: 'start' | 'heal' | 'note'
  readonly fault: string
  readonly target: string
  /** The node or replica the fault is about, e.g. `node-2`. */
  readonly process: string
  readonly detail?: string
}

/**
 * A node's or replica's process that ended without the harness ending it (the nemesis's kills
 * and restarts, the final stop): by itself (`code`) or by a signal someone else sent.
 */
export interface ExitRecord {
  readonly kind: 'exit'
  readonly atMs: number
  /** `node-1` … `replica-3`. */
  readonly process: string
  readonly pid: number
  readonly code: number | null
  readonly signal: string | null
}

interface LieRecord {
  readonly kind: 'lie'
  readonly atMs: number
  readonly replica: number
  readonly path: string
  readonly told: string
}

/**
 * A replica's database edited while it was stopped (the `corrupt` fault), just before its
 * restart: from here on it holds a state nobody else has, until it finds itself diverged and heals.
 */
interface CorruptionRecord {
  readonly kind: 'corruption'
  readonly atMs: number
  readonly replica: number
  readonly replicaId: string
  /** The row changed, in words. */
  readonly detail: string
}

/** One node's own view in a probe, or how it failed to answer. */
export type NodeView =
  | {
      readonly answerMs: number
      /** The first 10 characters of the sequencer's id. */
      readonly sequencer: string
      readonly sequenced: number
      readonly locked: number
      readonly finalized: number
    }
  | { readonly answerMs: number; readonly error: string }

/** The cluster once a second (`clusterProbe.ts`); CPU ms since the previous probe, null if down. */
export interface ProbeRecord {
  readonly kind: 'probe'
  readonly atMs: number
  /** 1-minute load average of the machine. */
  readonly load: number
  readonly nodes: readonly NodeView[]
  readonly nodeCpuMs: readonly (number | null)[]
  readonly replicaCpuMs: readonly (number | null)[]
  readonly harnessCpuMs: number | null
}

export type HistoryRecord =
  | SubmitRecord
  | ReadRecord
  | AggregateRecord
  | BookRecord
  | StatusRecord
  | NemesisRecord
  | LieRecord
  | CorruptionRecord
  | ProbeRecord
  | ExitRecord

export class History {
  readonly records: HistoryRecord[] = []
  readonly startedAtMs = Date.now()
  private readonly stream: WriteStream

  constructor(
    readonly file: string,
    header: Record<string, unknown>,
  ) {
    this.stream = createWriteStream(file)
    // The wall-clock start lines the history's ms up with the processes' log times.
    const startedAt = new Date(this.startedAtMs).toISOString()
    this.stream.write(`${JSON.stringify({ kind: 'header', startedAt, ...header })}\n`)
  }

  /** Milliseconds since the run started. */
  now(): number {
    return Date.now() - this.startedAtMs
  }

  add(record: HistoryRecord): void {
    this.records.push(record)
    // A process may still end on its own after the last line (before the cluster stops).
    if (!this.stream.writableEnded) this.stream.write(`${JSON.stringify(record)}\n`)
  }

  /** Appends a closing line (the summary, the anomalies) and closes the file. */
  async close(footer: Record<string, unknown>): Promise<void> {
    this.stream.write(`${JSON.stringify({ kind: 'footer', ...footer })}\n`)
    await new Promise((done) => this.stream.end(done))
  }

  of<kind extends HistoryRecord['kind']>(kind: kind): Extract<HistoryRecord, { kind: kind }>[] {
    return this.records.filter(
      (record): record is Extract<HistoryRecord, { kind: kind }> => record.kind === kind,
    )
  }
}
