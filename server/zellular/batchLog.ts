import Database from 'better-sqlite3'
import { chainLink, xxh128 } from '../../shared/zellular/index.ts'
import type { SignatureRecord } from '../../shared/zellular/index.ts'
import { batchCostBytes } from './rateLimiter.ts'

/** The four batch states, in order; a batch in a later state is also in every earlier one. */
type BatchState = 'initialized' | 'sequenced' | 'locked' | 'finalized'

/** The states a batch reaches once the sequencer has ordered it. */
type OrderedState = Exclude<BatchState, 'initialized'>

/** One sequenced batch, with the sync-point fields present only on signed indices. */
export interface BatchRecord {
  readonly index: number
  readonly body: string
  readonly chainingHash: string
  /** The parent of the finalization at this index, or of its lock while it is only locked. */
  parentIndex?: number
  /**
   * The parent the lock at this index was signed with. With pipelined locks a later
   * finalization of the same index names a newer parent, and the lock proof must still verify.
   */
  lockedParentIndex?: number
  nextIndex?: number
  timestamp?: number
  lockedSignature?: string
  lockedNonsigners?: string[]
  lockedTag?: number
  finalizedSignature?: string
  finalizedNonsigners?: string[]
  finalizedTag?: number
}

/** Why a proof was not applied; `null` means it was applied. */
export type PromotionRefusal =
  | 'bad_state'
  | 'old'
  | 'parent_mismatch'
  | 'previous_lock_unfinalized'
  | 'unknown_index'
  | 'chain_mismatch'
  | UnstoredRefusal

/** A finalization the disk did not take (full, or failing): SQLite's code and message. */
type UnstoredRefusal = `unstored (${string})`

type SyncFields = Omit<BatchRecord, 'index' | 'body' | 'chainingHash'>

/**
 * The sequence of one app on one node: an in-memory tail of recent batches over SQLite, which
 * holds every finalized batch. Only finalized batches are persisted: sequenced and locked ones
 * are re-learned from the sequencer or peers after a restart, as in zsequencer.
 *
 * Indices are 1-based and contiguous; 0 means "none".
 */
export class BatchLog {
  /** Batches with index > `memoryBase` are in `tail`; older ones only in SQLite. */
  private memoryBase = 0
  private memoryBaseHash = ''
  private tail: BatchRecord[] = []
  private lastLockedIndex = 0
  private lastFinalizedIndex = 0
  /** Indices of finalization sync points, ascending; replaces zsequencer's in-memory-only
   * `first_finalized_index` so a restarted sequencer still serves the chain (its Q5 defect). */
  private finalizationPoints: number[] = []
  private readonly statements

  constructor(
    private readonly db: Database.Database,
    readonly app: string,
    /** How many finalized batches stay in memory behind the unfinalized tail. */
    private readonly keepFinalized = 20_000,
  ) {
    this.statements = {
      insert: db.prepare(
        'INSERT INTO batches (app, idx, body, chaining_hash, sync) VALUES (?, ?, ?, ?, ?)',
      ),
      updateSync: db.prepare('UPDATE batches SET sync = ? WHERE app = ? AND idx = ?'),
      range: db.prepare(
        'SELECT idx, body, chaining_hash, sync FROM batches WHERE app = ? AND idx > ? ' +
          'ORDER BY idx LIMIT ?',
      ),
      one: db.prepare(
        'SELECT idx, body, chaining_hash, sync FROM batches WHERE app = ? AND idx = ?',
      ),
      last: db.prepare(
        'SELECT idx, body, chaining_hash, sync FROM batches WHERE app = ? ' +
          'ORDER BY idx DESC LIMIT 1',
      ),
      points: db.prepare(
        'SELECT idx FROM batches WHERE app = ? AND sync IS NOT NULL ' +
          "AND json_extract(sync, '$.finalizedSignature') IS NOT NULL ORDER BY idx",
      ),
    }
    this.load()
  }

  static migrate(db: Database.Database): void {
    db.exec(`CREATE TABLE IF NOT EXISTS batches (
      app TEXT NOT NULL, idx INTEGER NOT NULL, body TEXT NOT NULL,
      chaining_hash TEXT NOT NULL, sync TEXT, PRIMARY KEY (app, idx)) WITHOUT ROWID`)
  }

  private load(): void {
    const last = this.statements.last.get(this.app) as Row | undefined
    if (!last) return
    this.memoryBase = last.idx
    this.memoryBaseHash = last.chaining_hash
    this.lastLockedIndex = this.lastFinalizedIndex = last.idx
    this.finalizationPoints = (this.statements.points.all(this.app) as { idx: number }[]).map(
      (row) => row.idx,
    )
  }

  get lastSequenced(): number {
    return this.memoryBase + this.tail.length
  }
  get lastLocked(): number {
    return this.lastLockedIndex
  }
  get lastFinalized(): number {
    return this.lastFinalizedIndex
  }

  lastIndex(state: OrderedState): number {
    if (state === 'sequenced') return this.lastSequenced
    return state === 'locked' ? this.lastLockedIndex : this.lastFinalizedIndex
  }

  /** The chaining hash at `index` ("" for 0). */
  chainingHashAt(index: number): string {
    if (index === 0) return ''
    if (index === this.memoryBase) return this.memoryBaseHash
    return this.get(index)?.chainingHash ?? ''
  }

  get(index: number): BatchRecord | undefined {
    if (index <= 0 || index > this.lastSequenced) return undefined
    if (index > this.memoryBase) return this.tail[index - this.memoryBase - 1]
    const row = this.statements.one.get(this.app, index) as Row | undefined
    return row ? fromRow(row) : undefined
  }

  /**
   * Appends bodies as the next sequenced batches, computing their chaining hashes; from
   * `digests` (`xxh128` of each body, `bodyDigestsInSlices`) when given.
   */
  append(bodies: readonly string[], digests?: readonly string[]): void {
    if (digests !== undefined && digests.length !== bodies.length) {
      throw new RangeError(`${digests.length} digests for ${bodies.length} bodies`)
    }
    let previous = this.chainingHashAt(this.lastSequenced)
    bodies.forEach((body, i) => {
      previous = chainLink(previous, digests?.[i] ?? xxh128(body))
      this.tail.push({ index: this.lastSequenced + 1, body, chainingHash: previous })
    })
  }

  /**
   * Batches in `(after, last index of state]`, stopping before their cost (`batchCostBytes`: the
   * bytes, at least a minimum each) would pass `capBytes` (zsequencer's page cap, which counts
   * bytes alone). The first batch is always in: one over the cap alone
   * (none should be: followers refuse them) would otherwise make every page after `after` empty,
   * and every reader and follower behind it would stop there for good.
   */
  range(after: number, state: OrderedState, capBytes: number) {
    const last = this.lastIndex(state)
    const out: BatchRecord[] = []
    let bytes = 0
    for (let index = after + 1; index <= last;) {
      const chunk = this.chunkFrom(index, last)
      if (chunk.length === 0) break
      for (const record of chunk) {
        // At its cost, not its bytes: a page of empty batches would otherwise have no end.
        bytes += batchCostBytes(record.body)
        if (bytes > capBytes && out.length > 0) return out
        out.push(record)
      }
      index += chunk.length
    }
    return out
  }

  private chunkFrom(index: number, last: number): BatchRecord[] {
    if (index > this.memoryBase) {
      return this.tail.slice(index - this.memoryBase - 1, last - this.memoryBase)
    }
    const count = Math.min(Math.min(last, this.memoryBase) - index + 1, 1000)
    return (this.statements.range.all(this.app, index - 1, count) as Row[]).map(fromRow)
  }

  /** Finalization sync points with index in `(after, upTo]`, ascending. */
  finalizationProofsBetween(after: number, upTo: number): BatchRecord[] {
    const points = this.finalizationPoints
    let low = 0
    let high = points.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (points[middle]! <= after) low = middle + 1
      else high = middle
    }
    const out: BatchRecord[] = []
    for (let i = low; i < points.length && points[i]! <= upTo; i++) out.push(this.get(points[i]!)!)
    return out
  }

  /**
   * zsequencer's `promote_batches` (§8.3) without the signature check, which the caller does
   * first: applies a lock (`state: sequenced`) or finalization (`state: locked`) proof.
   */
  promote(record: SignatureRecord, pipelineLocks = false): PromotionRefusal | null {
    const finalizing = record.state === 'locked'
    const currentLast = finalizing ? this.lastFinalizedIndex : this.lastLockedIndex
    if (record.index <= currentLast) return 'old'
    // zsequencer wants the parent to be this node's last finalization. An older one is taken too:
    // it comes from a sequencer that missed a finalization only its predecessor and some nodes
    // saw (the predecessor crashed before sharing it), and refusing it left those nodes stuck
    // for good, since every later proof builds on it. The chaining-hash check below binds the
    // proof to this log whatever its parent; a parent beyond its last finalization is refused.
    const parentOk = this.lastFinalizedIndex === 0 || record.parent_index <= this.lastFinalizedIndex
    if (!parentOk) return 'parent_mismatch'
    if (!finalizing && !pipelineLocks && this.lastLockedIndex !== this.lastFinalizedIndex) {
      return 'previous_lock_unfinalized'
    }
    if (record.index > this.lastSequenced) return 'unknown_index'
    const target = this.get(record.index)
    if (!target) return 'unknown_index'
    if (target.chainingHash !== record.chaining_hash) return 'chain_mismatch'

    const tag = typeof record.tag === 'number' ? record.tag : 0
    // A copy, put in the tail only once a finalization is written: a failed write (a full disk)
    // must leave no proof in memory that the disk does not hold, or the node serves it and
    // writes it later beside another finalization on the same parent.
    const updated: BatchRecord = finalizing
      ? {
          ...target,
          parentIndex: record.parent_index,
          timestamp: record.timestamp,
          finalizedSignature: record.signature,
          finalizedNonsigners: [...record.nonsigners],
          finalizedTag: tag,
        }
      : {
          ...target,
          lockedParentIndex: record.parent_index,
          ...(target.finalizedSignature === undefined ? { parentIndex: record.parent_index } : {}),
          lockedSignature: record.signature,
          lockedNonsigners: [...record.nonsigners],
          lockedTag: tag,
        }
    if (!finalizing) this.replaceInTail(updated)
    else {
      const unstored = this.finalizeOrRefuse(updated)
      if (unstored !== null) return unstored
    }
    this.lastLockedIndex = Math.max(this.lastLockedIndex, record.index)
    return null
  }

  /**
   * `finalize`, or why the disk did not take it (full, or failing), which leaves this log as it
   * was. Such a proof is refused as any other this log cannot take, and every caller goes on: a
   * follower's posting round, a sign request, the sequencer's round; it or a later one applies
   * once the disk takes writes again. Thrown, it ended a follower's posting round before that
   * round's bookkeeping: a node not yet synced (restarted, or a sequencer just replaced) never
   * became so, and refused every client batch while its disk was full.
   */
  private finalizeOrRefuse(point: BatchRecord): UnstoredRefusal | null {
    try {
      this.finalize(point)
      return null
    } catch (error) {
      const diskRefused =
        error instanceof Database.SqliteError && /^SQLITE_(FULL|IOERR)/.test(error.code)
      if (!diskRefused) throw error
      return `unstored (${error.code}: ${error.message})`
    }
  }

  /** Writes the batches up to `point` and its proof, then (only then) takes them in memory. */
  private finalize(point: BatchRecord): void {
    const index = point.index
    const previousPoint = this.finalizationPoints.at(-1)
    // The previous point is always written already: it was finalized before this one.
    const previous =
      previousPoint === undefined ? undefined : { ...this.get(previousPoint)!, nextIndex: index }
    const from = this.lastFinalizedIndex
    this.db.transaction(() => {
      if (previous !== undefined) {
        this.statements.updateSync.run(JSON.stringify(syncOf(previous)), this.app, previous.index)
      }
      for (let i = from + 1; i <= index; i++) {
        const record = i === index ? point : this.get(i)!
        const sync = syncOf(record)
        this.statements.insert.run(
          this.app,
          i,
          record.body,
          record.chainingHash,
          Object.keys(sync).length > 0 ? JSON.stringify(sync) : null,
        )
      }
    })()
    if (previous !== undefined) this.replaceInTail(previous)
    this.replaceInTail(point)
    this.finalizationPoints.push(index)
    this.lastFinalizedIndex = index
    this.trimMemory()
  }

  /** Puts `record` in place of its index's record, when that one is in memory. */
  private replaceInTail(record: BatchRecord): void {
    if (record.index > this.memoryBase) this.tail[record.index - this.memoryBase - 1] = record
  }

  private trimMemory(): void {
    const drop = this.lastFinalizedIndex - this.memoryBase - this.keepFinalized
    if (drop <= 0) return
    const newBase = this.memoryBase + drop
    this.memoryBaseHash = this.get(newBase)!.chainingHash
    this.tail = this.tail.slice(drop)
    this.memoryBase = newBase
  }

  /**
   * Drops the sequenced-but-unlocked tail and returns its bodies (a sequencer switch puts them
   * back into the queue, since the new sequencer never saw them).
   */
  dropUnlocked(): string[] {
    const keep = this.lastLockedIndex - this.memoryBase
    const dropped = this.tail.slice(keep).map((record) => record.body)
    this.tail = this.tail.slice(0, keep)
    return dropped
  }

  /**
   * Drops every batch after the last finalization, locked ones too. Only for a tail a quorum
   * has finalized other batches over (see `Chain.promote`): such locks can never be finalized.
   */
  dropUnfinalized(): void {
    this.tail = this.tail.slice(0, this.lastFinalizedIndex - this.memoryBase)
    this.lastLockedIndex = this.lastFinalizedIndex
  }
}

interface Row {
  idx: number
  body: string
  chaining_hash: string
  sync: string | null
}

function fromRow(row: Row): BatchRecord {
  const sync = row.sync ? (JSON.parse(row.sync) as SyncFields) : {}
  return { index: row.idx, body: row.body, chainingHash: row.chaining_hash, ...sync }
}

function syncOf(record: BatchRecord): SyncFields {
  const { index: _index, body: _body, chainingHash: _hash, ...sync } = record
  return sync
}
