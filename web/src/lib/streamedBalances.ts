import type { QueryClient } from '@tanstack/react-query'
import type { BalanceEvent } from '../../../shared/api/index.ts'

/**
 * The connected account's balances as the streaming replica reports them, batch by batch, so
 * the panel can show a new balance within a frame of the batch that changed it. They are one
 * replica's word: the panel marks them as being verified until the balances proven against a
 * root a quorum signed reach their batch (`shownBalance`).
 */
export interface StreamedBalance {
  readonly available: bigint
  readonly locked: bigint
  /** The batch that set it. */
  readonly index: number
  /** When it arrived (this browser's clock), to let a replica's unverified word expire. */
  readonly receivedAtMs: number
}

/**
 * How long a streamed balance may show unverified. A replica that lies about a balance, or
 * about its batch number, cannot keep a false number on screen past this.
 */
export const STREAMED_BALANCE_TTL_MS = 10_000

export type StreamedBalances = Readonly<Record<string, StreamedBalance>>

export function streamedBalancesQueryKey(address: string) {
  return ['streamed-balances', address.toLowerCase()] as const
}

/** Records a `balance` event of the connected account; an older batch never overwrites. */
export function recordStreamedBalance(
  queryClient: QueryClient,
  address: string,
  event: BalanceEvent,
  nowMs: number = Date.now(),
): void {
  if (event.address.toLowerCase() !== address.toLowerCase()) return
  queryClient.setQueryData<StreamedBalances>(streamedBalancesQueryKey(address), (before = {}) => {
    const known = before[event.token]
    if (known !== undefined && known.index > event.index) return before
    const balance = {
      available: BigInt(event.available),
      locked: BigInt(event.locked),
      index: event.index,
      receivedAtMs: nowMs,
    }
    return { ...before, [event.token]: balance }
  })
}

/** What a balance row shows: the quorum-verified value, or a newer streamed one being verified. */
export type ShownBalance =
  | { readonly source: 'verified'; readonly available?: bigint; readonly locked?: bigint }
  | {
      readonly source: 'streamed'
      readonly available: bigint
      readonly locked: bigint
      readonly index: number
    }

/**
 * The streamed balance when it is from a later batch than the verified one (or there is no
 * verified one yet) and arrived less than `STREAMED_BALANCE_TTL_MS` ago; otherwise the
 * verified balance. Once the proven balances reach the streamed batch, the verified value shows
 * again, whatever the stream said.
 */
export function shownBalance(
  verified: { readonly available?: bigint | undefined; readonly locked?: bigint | undefined },
  verifiedIndex: number | undefined,
  streamed: StreamedBalance | undefined,
  nowMs: number = Date.now(),
): ShownBalance {
  const fresh = streamed !== undefined && nowMs - streamed.receivedAtMs < STREAMED_BALANCE_TTL_MS
  if (fresh && (verifiedIndex === undefined || streamed.index > verifiedIndex)) {
    const { available, locked, index } = streamed
    return { source: 'streamed', available, locked, index }
  }
  return {
    source: 'verified',
    ...(verified.available === undefined ? {} : { available: verified.available }),
    ...(verified.locked === undefined ? {} : { locked: verified.locked }),
  }
}
