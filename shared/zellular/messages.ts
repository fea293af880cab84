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
