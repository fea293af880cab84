import { QueryClient } from '@tanstack/react-query'
import { describe, expect, it, vi } from 'vitest'
import {
  recordStreamedBalance,
  shownBalance,
  STREAMED_BALANCE_TTL_MS,
  streamedBalancesQueryKey,
  type StreamedBalanceContext,
  type StreamedBalances,
} from './streamedBalances.ts'

const me = '0x00000000000000000000000000000000000000aa'
const other = '0x00000000000000000000000000000000000000bb'
const event = (address: string, index: number, available: string, token = 'USDT') => ({
  address: address as `0x${string}`,
  token,
  available,
  locked: '5',
  index,
})
const tokens = new Set(['USDT', 'ETH'])
/** The registry's tokens, nothing verified yet, no quorum index known. */
const fresh: StreamedBalanceContext = { tokens, verified: undefined }
/**
 * After a portfolio check at `index` that proved `usdt` available (5 locked), when a quorum had
 * applied `appliedIndex`.
 */
const checked = (
  index: number,
  usdt: bigint,
  appliedIndex: number | undefined = undefined,
): StreamedBalanceContext => ({
  tokens,
  verified: {
    index,
    appliedIndex,
    byToken: { USDT: { verified: true, available: usdt, locked: 5n } },
  },
})
const kept = (client: QueryClient) =>
  client.getQueryData<StreamedBalances>(streamedBalancesQueryKey(me))

describe('recordStreamedBalance', () => {
  it('keeps the connected account’s latest balance per token; older batches and others are ignored', () => {
    const client = new QueryClient()
    recordStreamedBalance(client, me, event(me, 7, '100'), fresh, 1_000)
    recordStreamedBalance(client, me, event(me, 6, '90'), fresh, 2_000) // late: an older batch
    recordStreamedBalance(client, me, event(other, 9, '1'), fresh, 2_000) // someone else
    expect(kept(client)).toEqual({
      USDT: { available: 100n, locked: 5n, index: 7, unconfirmedSinceMs: 1_000 },
    })
    recordStreamedBalance(client, me.toUpperCase().replace('0X', '0x'), event(me, 8, '80'), fresh)
    expect(kept(client)?.USDT?.index).toBe(8)
  })

  it('keeps no token the registry does not list, whatever a replica streams', () => {
    const client = new QueryClient()
    const writes = vi.spyOn(client, 'setQueryData')
    for (let i = 0; i < 5000; i++) {
      recordStreamedBalance(client, me, event(me, 7, '1', `T${i}`), fresh, 1_000)
    }
    recordStreamedBalance(client, me, event(me, 7, '1', 'ETH'), fresh, 1_000)
    // Each forged token cost nothing: no write, so no copy of the record either.
    expect(writes).toHaveBeenCalledTimes(1)
    expect(Object.keys(kept(client) ?? {})).toEqual(['ETH'])
  })

  it('does not believe a batch far beyond what a quorum has applied', () => {
    const client = new QueryClient()
    const context = checked(42, 100n, 50)
    recordStreamedBalance(client, me, event(me, 1_000_000_000, '999'), context, 1_000)
    expect(kept(client)?.USDT).toBeUndefined()
    // A few batches ahead of the last quorum seen is the stream being quicker than the polls.
    recordStreamedBalance(client, me, event(me, 55, '80'), context, 1_000)
    expect(kept(client)?.USDT?.index).toBe(55)
  })

  it('lets a later honest balance replace one from an unbelievable batch', () => {
    const client = new QueryClient()
    recordStreamedBalance(client, me, event(me, 1_000_000_000, '999'), fresh, 1_000)
    recordStreamedBalance(client, me, event(me, 51, '80'), checked(42, 100n, 50), 2_000)
    expect(kept(client)?.USDT).toMatchObject({ index: 51, available: 80n })
  })
})

describe('shownBalance', () => {
  const verified = { available: 100n, locked: 5n }

  const at = (index: number) => ({ available: 80n, locked: 0n, index, unconfirmedSinceMs: 1_000 })

  it('shows a streamed balance from a later batch than the verified one, as being verified', () => {
    expect(shownBalance(verified, 7, at(8), 2_000)).toEqual({
      source: 'streamed',
      available: 80n,
      locked: 0n,
      index: 8,
    })
    expect(shownBalance({}, undefined, at(1), 2_000).source).toBe('streamed')
  })

  it('lets an unverified streamed balance expire, so a lying replica cannot keep it shown, and names the batch whose verification stalled', () => {
    expect(shownBalance(verified, 7, at(1_000_000), 1_000 + STREAMED_BALANCE_TTL_MS)).toEqual({
      source: 'verified',
      ...verified,
      stalledAt: 1_000_000,
    })
    // A streamed batch the proven balances have reached is no stall.
    expect(shownBalance(verified, 8, at(8), 1_000 + STREAMED_BALANCE_TTL_MS)).toEqual({
      source: 'verified',
      ...verified,
    })
  })

  it('counts the time from when the stream first ran ahead, not from its last event', () => {
    const client = new QueryClient()
    const context = checked(42, 100n)
    // A replica sends the same false balance again every 9 s, each time before it expires.
    for (let t = 0; t <= 54_000; t += 9_000) {
      recordStreamedBalance(client, me, event(me, 1_000_000_000, '999999000000'), context, t)
    }
    expect(shownBalance(verified, 42, kept(client)?.USDT, 61_000)).toEqual({
      source: 'verified',
      ...verified,
      stalledAt: 1_000_000_000,
    })
  })

  it('starts the time again once the proven balances confirmed the stream', () => {
    const client = new QueryClient()
    recordStreamedBalance(client, me, event(me, 43, '80'), checked(42, 100n), 0)
    // The proven balances reached batch 43 with the same 80; batch 44 changes it 20 s later.
    recordStreamedBalance(client, me, event(me, 44, '70'), checked(43, 80n), 20_000)
    expect(shownBalance(verified, 43, kept(client)?.USDT, 25_000)).toMatchObject({
      source: 'streamed',
      available: 70n,
    })
  })

  it('does not start it again when the proofs reach a streamed batch with other amounts', () => {
    const client = new QueryClient()
    // A replica streams a false 999 one batch ahead of each check, which proves 100 each time.
    for (let step = 0; step <= 3; step++) {
      const context = checked(42 + step, 100n)
      recordStreamedBalance(client, me, event(me, 43 + step, '999'), context, step * 4_000)
    }
    // Shown as the stalled verification it is.
    expect(shownBalance(verified, 45, kept(client)?.USDT, 12_500)).toEqual({
      source: 'verified',
      ...verified,
      stalledAt: 46,
    })
  })

  it('shows the verified balance once the proven balances reach the streamed batch', () => {
    expect(shownBalance(verified, 8, at(8), 2_000)).toEqual({ source: 'verified', ...verified })
    expect(shownBalance(verified, 9, at(8), 2_000)).toEqual({ source: 'verified', ...verified })
    expect(shownBalance(verified, 3, undefined, 2_000)).toEqual({ source: 'verified', ...verified })
  })
})
