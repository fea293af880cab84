import { QueryClient } from '@tanstack/react-query'
import { describe, expect, it } from 'vitest'
import {
  recordStreamedBalance,
  shownBalance,
  STREAMED_BALANCE_TTL_MS,
  streamedBalancesQueryKey,
  type StreamedBalances,
} from './streamedBalances.ts'

const me = '0x00000000000000000000000000000000000000aa'
const other = '0x00000000000000000000000000000000000000bb'
const event = (address: string, index: number, available: string) => ({
  address: address as `0x${string}`,
  token: 'USDT',
  available,
  locked: '5',
  index,
})

describe('recordStreamedBalance', () => {
  it('keeps the connected account’s latest balance per token; older batches and others are ignored', () => {
    const client = new QueryClient()
    recordStreamedBalance(client, me, event(me, 7, '100'), 1_000)
    recordStreamedBalance(client, me, event(me, 6, '90'), 2_000) // late: an older batch
    recordStreamedBalance(client, me, event(other, 9, '1'), 2_000) // someone else
    const kept = client.getQueryData<StreamedBalances>(streamedBalancesQueryKey(me))
    expect(kept).toEqual({ USDT: { available: 100n, locked: 5n, index: 7, receivedAtMs: 1_000 } })
    recordStreamedBalance(client, me.toUpperCase().replace('0X', '0x'), event(me, 8, '80'))
    expect(client.getQueryData<StreamedBalances>(streamedBalancesQueryKey(me))?.USDT?.index).toBe(8)
  })
})

describe('shownBalance', () => {
  const verified = { available: 100n, locked: 5n }

  const at = (index: number) => ({ available: 80n, locked: 0n, index, receivedAtMs: 1_000 })

  it('shows a streamed balance from a later batch than the verified one, as being verified', () => {
    expect(shownBalance(verified, 7, at(8), 2_000)).toEqual({
      source: 'streamed',
      available: 80n,
      locked: 0n,
      index: 8,
    })
    expect(shownBalance({}, undefined, at(1), 2_000).source).toBe('streamed')
  })

  it('lets an unverified streamed balance expire, so a lying replica cannot keep it shown', () => {
    expect(shownBalance(verified, 7, at(1_000_000), 1_000 + STREAMED_BALANCE_TTL_MS)).toEqual({
      source: 'verified',
      ...verified,
    })
  })

  it('shows the verified balance once the proven balances reach the streamed batch', () => {
    expect(shownBalance(verified, 8, at(8), 2_000)).toEqual({ source: 'verified', ...verified })
    expect(shownBalance(verified, 9, at(8), 2_000)).toEqual({ source: 'verified', ...verified })
    expect(shownBalance(verified, 3, undefined, 2_000)).toEqual({ source: 'verified', ...verified })
  })
})
