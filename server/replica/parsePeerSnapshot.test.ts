import { expect, it } from 'vitest'
import { stateSnapshotSchema, type StateSnapshot } from '../../shared/api/index.ts'
import { parsePeerSnapshot } from './parsePeerSnapshot.ts'

const owner = `0x${'ab'.repeat(20)}`

/** A small snapshot of every kind of entry. */
const honest: StateSnapshot = {
  version: 1,
  replicaId: 'replica-2',
  index: 6,
  chainingHash: 'c0ffee',
  time: 1_700_000_000,
  balances: [[owner, 'USDT', '1500000', '250']],
  nonceWindows: [[owner, ['1', '2', '17']]],
  openOrders: [
    {
      orderId: `0x${'12'.repeat(32)}`,
      market: 'ETH/USDT',
      owner,
      side: 'buy',
      type: 'limit',
      timeInForce: 'GTC',
      price: '1990',
      quantity: '20',
      filled: '5',
      remaining: '15',
      placedIndex: 3,
      updatedIndex: 4,
      placedPosition: 0,
    },
  ],
  markets: [{ market: 'ETH/USDT', tradeSeq: 3, bookSeq: 9 }],
}

const MB = 1_000_000

/** `honest` with `balances` replaced by the JSON text given. */
function withBalances(balances: string): Buffer {
  const text = JSON.stringify({ ...honest, balances: [] })
  return Buffer.from(text.replace('"balances":[]', `"balances":${balances}`))
}

it('parses and checks an honest snapshot, whose estimated parse is a few times its size', () => {
  expect(stateSnapshotSchema.parse(honest)).toEqual(honest)
  const body = Buffer.from(JSON.stringify(honest))
  expect(parsePeerSnapshot(body, 10 * body.length)).toEqual({ snapshot: honest })
  expect(parsePeerSnapshot(body, 2 * body.length)).toMatchObject({
    refused: expect.stringMatching(/^parsing it would take about/),
  })
})

it('refuses unparsed a body whose parse would take many times its size: empty lists', () => {
  // `[],` takes V8 43 bytes of heap for 3 of text: 21 MB needed ~300 MB, over most budgets.
  const body = withBalances(`[${'[],'.repeat(1_000_000)}[]]`)
  expect(body.length).toBeLessThan(4 * MB)
  expect(parsePeerSnapshot(body, 64 * MB)).toEqual({
    refused: expect.stringMatching(/^parsing it would take about 8\d MB of heap, over the 64 MB/),
  })
})

it('refuses unparsed a body with more distinct object keys than a snapshot has', () => {
  // Each new key costs V8 a hidden class per object that holds it, ~190 bytes each.
  const objects = Array.from({ length: 100 }, (_, i) => `{"k${i}":0}`).join(',')
  expect(parsePeerSnapshot(withBalances(`[${objects}]`), 64 * MB)).toEqual({
    refused: 'over 64 distinct object keys',
  })
  const long = withBalances(`[{"${'k'.repeat(65)}":0}]`)
  expect(parsePeerSnapshot(long, 64 * MB)).toEqual({ refused: 'an object key over 64 bytes' })
})

it('checks list elements one at a time and stops at the first bad one', () => {
  // Checked whole, a list of a million bad elements made a million error reports: over 500 MB
  // of heap from 2 MB of text.
  const body = withBalances(`[${'0,'.repeat(500_000)}0]`)
  expect(parsePeerSnapshot(body, 64 * MB)).toEqual({
    refused: 'a malformed snapshot: balances[0]: Invalid input: expected tuple, received number',
  })
  const order = { ...honest.openOrders[0]!, side: 'up' }
  const orders = Buffer.from(JSON.stringify({ ...honest, openOrders: [order] }))
  expect(parsePeerSnapshot(orders, 64 * MB)).toMatchObject({
    refused: expect.stringMatching(/^a malformed snapshot: openOrders\[0\]\.side: /),
  })
})

it('refuses a body that is not JSON, or not a snapshot', () => {
  expect(parsePeerSnapshot(Buffer.from('{"version":1,'), MB)).toEqual({ refused: 'not JSON' })
  expect(parsePeerSnapshot(Buffer.from('[]'), MB)).toMatchObject({
    refused: expect.stringMatching(/^a malformed snapshot: the whole: /),
  })
  const versionTwo = Buffer.from(JSON.stringify({ ...honest, version: 2 }))
  expect(parsePeerSnapshot(versionTwo, MB)).toMatchObject({
    refused: expect.stringMatching(/^a malformed snapshot: version: /),
  })
})
