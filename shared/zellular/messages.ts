import { xxh128 } from './hash.ts'
import { pythonJsonDumps } from './pythonJson.ts'

/** The state a sync-point signature vouches for: `sequenced` locks, `locked` finalizes. */
export type SignedState = 'sequenced' | 'locked'

/** The fields zsequencer v0.1.7 signs for a lock or finalization sync point. */
export interface SyncPoint {
  readonly app_name: string
  readonly state: SignedState
  readonly index: number
  readonly chaining_hash: string
  readonly parent_index: number
  /** 0 for locks; the sequencer's unix seconds for finalizations. */
  readonly timestamp: number
}

/**
 * The v0.1.7 message: xxh128 of `json.dumps(sync point, sort_keys=True)`. BLS signs the ASCII
 * bytes of this hex digest, not the 16 raw hash bytes.
 */
export function syncPointMessage(point: SyncPoint): string {
  return xxh128(
    pythonJsonDumps({
      app_name: point.app_name,
      chaining_hash: point.chaining_hash,
      index: point.index,
      parent_index: point.parent_index,
      state: point.state,
      timestamp: point.timestamp,
    }),
  )
}

/**
 * Not in zsequencer: a vote to finalize `index` (with `chaining_hash`) on `parent_index` at
 * `timestamp` (unix seconds), cast in `view` (the proposing sequencer's clock in milliseconds).
 * A threshold of these votes (a time lock) must precede a finalization on that parent, which then
 * carries exactly this index, hash and timestamp (`server/zellular/finalizationTimes.ts`).
 */
export interface FinalizationVote {
  readonly app_name: string
  readonly parent_index: number
  readonly index: number
  readonly chaining_hash: string
  readonly timestamp: number
  readonly view: number
}

/**
 * xxh128 of the vote's sorted JSON, as a sync point's. Its `kind` field keeps it apart from every
 * sync-point message: no vote is ever a lock or a finalization signature.
 */
export function finalizationVoteMessage(vote: FinalizationVote): string {
  return xxh128(
    pythonJsonDumps({
      app_name: vote.app_name,
      chaining_hash: vote.chaining_hash,
      index: vote.index,
      kind: 'finalization_vote',
      parent_index: vote.parent_index,
      timestamp: vote.timestamp,
      view: vote.view,
    }),
  )
}

/** The v0.1.5 message (what zellular SDK 0.2.8 verifies): no parent index, no timestamp. */
export function legacySyncPointMessage(point: Omit<SyncPoint, 'parent_index' | 'timestamp'>) {
  return xxh128(
    pythonJsonDumps({
      app_name: point.app_name,
      chaining_hash: point.chaining_hash,
      index: point.index,
      state: point.state,
    }),
  )
}

/** What a dispute or switch proof signs: the sequencer id immediately followed by unix seconds. */
export function disputeMessage(sequencerId: string, timestamp: number): string {
  return xxh128(`${sequencerId}${timestamp}`)
}

/** What the `Signature` header signs: the xxh128 of the exact request body bytes. */
export function authMessage(body: string | Uint8Array): string {
  return xxh128(body)
}
