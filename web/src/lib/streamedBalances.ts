import type { QueryClient } from '@tanstack/react-query'
import type { BalanceEvent } from '../../../shared/api/index.ts'
import { isBeyondQuorum } from './beyondQuorum.ts'
import type { ProvenBalance } from './verifyPortfolioAtRoot.ts'

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
  /**
   * Since when (this browser's clock) the stream has shown balances the proven ones did not
   * confirm, without a break: the time of the first event of this run, which later events
   * keep until the proven balances confirm one (`isConfirmed`).
   */
  readonly unconfirmedSinceMs: number
}

/**
 * How long the stream may show balances the proven ones have not confirmed, counted from the
 * first of them. A replica that lies about a balance, or about its batch number, cannot keep a
 * false number on screen past this, however often it sends it again.
 */
export const STREAMED_BALANCE_TTL_MS = 10_000

export type StreamedBalances = Readonly<Record<string, StreamedBalance>>

/** What `recordStreamedBalance` judges an event by. */
export interface StreamedBalanceContext {
  /** The registry's token symbols: a balance of any other token is not kept. */
  readonly tokens: ReadonlySet<string>
  /**
   * The last portfolio check: the batch the proven balances are at, each token's proven
   * balance, and the highest index a quorum had applied. Undefined before the first.
   */
  readonly verified:
    | {
        readonly index: number | undefined
        readonly appliedIndex: number | undefined
        readonly byToken: Readonly<Record<string, ProvenAmounts>>
      }
    | undefined
}

/** What a portfolio check proved of one token (`ProvenBalance`). */
type ProvenAmounts = Pick<ProvenBalance, 'verified' | 'available' | 'locked'>

export function streamedBalancesQueryKey(address: string) {
  return ['streamed-balances', address.toLowerCase()] as const
}

/**
 * Records a `balance` event of the connected account, of a registry token, from a batch not
 * far beyond the quorum's (`isBeyondQuorum`: believing one would also hide the real balances
 * streamed later, as older batches); others cost nothing, so a replica streaming made-up
 * tokens cannot grow the record. An older batch never overwrites a believable one. The record
 * is copied per kept event, and holds the registry's tokens at most.
 */
export function recordStreamedBalance(
  queryClient: QueryClient,
  address: string,
  event: BalanceEvent,
  context: StreamedBalanceContext,
  nowMs: number = Date.now(),
): void {
  if (event.address.toLowerCase() !== address.toLowerCase()) return
  const quorumIndex = context.verified?.appliedIndex
  if (!context.tokens.has(event.token) || isBeyondQuorum(event.index, quorumIndex)) return
  queryClient.setQueryData<StreamedBalances>(streamedBalancesQueryKey(address), (before = {}) => {
    const known = Object.hasOwn(before, event.token) ? before[event.token] : undefined
    const believed = known !== undefined && !isBeyondQuorum(known.index, quorumIndex)
    if (believed && known.index > event.index) return before
    // The run of streamed balances the proven ones have not confirmed goes on; a new one
    // starts now if they confirmed the last (or nothing believable was streamed).
    const goesOn = believed && !isConfirmed(known, context.verified?.byToken[event.token], context)
    const balance: StreamedBalance = {
      available: BigInt(event.available),
      locked: BigInt(event.locked),
      index: event.index,
      unconfirmedSinceMs: goesOn ? known.unconfirmedSinceMs : nowMs,
    }
    return { ...before, [event.token]: balance }
  })
}

/**
 * Whether the proven balances confirm `streamed`: they reached its batch and hold the same
 * amounts. Reaching its batch with other amounts is no confirmation: a replica that streams a
 * false balance just ahead of each check must not start a fresh run every time.
 */
function isConfirmed(
  streamed: StreamedBalance,
  proven: ProvenAmounts | undefined,
  context: StreamedBalanceContext,
): boolean {
  const index = context.verified?.index
  return (
    index !== undefined &&
    index >= streamed.index &&
    proven?.verified === true &&
    (proven.available ?? 0n) === streamed.available &&
    (proven.locked ?? 0n) === streamed.locked
  )
}

/** What a balance row shows: the quorum-verified value, or a newer streamed one being verified. */
export type ShownBalance =
  | {
      readonly source: 'verified'
      readonly available?: bigint
      readonly locked?: bigint
      /**
       * The later batch the stream showed a balance of that no quorum confirmed within
       * `STREAMED_BALANCE_TTL_MS`: its verification stalled, and the page says so.
       */
      readonly stalledAt?: number
    }
  | {
      readonly source: 'streamed'
      readonly available: bigint
      readonly locked: bigint
      readonly index: number
    }

/**
 * The streamed balance when it is from a later batch than the verified one (or there is no
 * verified one yet) and the stream ran ahead of the verified balances less than
 * `STREAMED_BALANCE_TTL_MS` ago; otherwise the verified balance (naming the streamed batch whose
 * verification stalled, if it expired unconfirmed). Once the proven balances reach the streamed
 * batch, the verified value shows again, whatever the stream said.
 */
export function shownBalance(
  verified: { readonly available?: bigint | undefined; readonly locked?: bigint | undefined },
  verifiedIndex: number | undefined,
  streamed: StreamedBalance | undefined,
  nowMs: number = Date.now(),
): ShownBalance {
  const ahead =
    streamed !== undefined && (verifiedIndex === undefined || streamed.index > verifiedIndex)
  const fresh = ahead && nowMs - streamed.unconfirmedSinceMs < STREAMED_BALANCE_TTL_MS
  if (fresh) {
    const { available, locked, index } = streamed
    return { source: 'streamed', available, locked, index }
  }
  return {
    source: 'verified',
    ...(verified.available === undefined ? {} : { available: verified.available }),
    ...(verified.locked === undefined ? {} : { locked: verified.locked }),
    ...(ahead ? { stalledAt: streamed.index } : {}),
  }
}
