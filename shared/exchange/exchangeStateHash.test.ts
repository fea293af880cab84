import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { intentId, type WireIntent } from '../intents/index.ts'
import type { OpenOrder } from '../orderbook/index.ts'
import { snapshotLedger } from '../ledger/index.ts'
import { hashLeaf, initSha256 } from '../stateHash/index.ts'
import { ExchangeStateHash, exchangeStateLeaves, type KeptLeaf } from './exchangeStateHash.ts'
import { createExchange, fullStateHash } from './index.ts'
import {
  balanceLeaf,
  issuerLeaf,
  marketLeaf,
  nonceWindowLeaf,
  orderLeaf,
  tokenLeaf,
} from './stateLeaves.ts'
import { signIntent, signLimitOrder, testAccount, testDomain, tradingConfig } from './testing.ts'

const traders = [2, 3, 4, 5].map(testAccount)
const alice = traders[0]!
const config = tradingConfig(traders)
const tokens = createExchange(config).ledger.tokens

const order = (trader: number, nonce: number, side: string, price: number, lots: number) =>
  signLimitOrder(traders[trader]!, tokens, { nonce, side, price, quantity: String(lots / 1000) })
const idOf = (trader: number, nonce: number) =>
  intentId({ ...testDomain, signer: traders[trader]!.address, nonce: BigInt(nonce) } as never)

beforeAll(() => initSha256())

describe('the incremental state hash', () => {
  it('equals the hash built from scratch after any batches, hashed at any points', () => {
    const step = fc.record({
      trader: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('buy', 'sell', 'buy', 'sell', 'cancel', 'cancelAll', 'transfer'),
      price: fc.integer({ min: 1995, max: 2005 }),
      lots: fc.integer({ min: 10, max: 200 }),
      target: fc.integer({ min: 0, max: 50 }),
    })
    const batch = fc.record({ steps: fc.array(step, { maxLength: 8 }), hash: fc.boolean() })
    fc.assert(
      fc.property(fc.array(batch, { maxLength: 25 }), (batches) => {
        const nonces = [0, 0, 0, 0]
        const placed: string[] = []
        const wire = (s: (typeof batches)[number]['steps'][number]): WireIntent => {
          const nonce = ++nonces[s.trader]!
          const signer = traders[s.trader]!
          if (s.kind === 'cancel') {
            const orderId = placed[s.target % Math.max(placed.length, 1)] ?? idOf(s.trader, 999)
            const fields = { action: 'cancel', nonce: String(nonce), market: 'ETH/USDT', orderId }
            return signIntent(signer, tokens, fields)
          }
          if (s.kind === 'cancelAll') {
            const fields = { action: 'cancelAll', nonce: String(nonce), market: 'ETH/USDT' }
            return signIntent(signer, tokens, fields)
          }
          if (s.kind === 'transfer') {
            const to = traders[(s.trader + 1) % 4]!.address
            const fields = { action: 'transfer', nonce: String(nonce), to, token: 'ETH' }
            return signIntent(signer, tokens, { ...fields, amount: String(s.lots / 1000) })
          }
          placed.push(idOf(s.trader, nonce))
          return order(s.trader, nonce, s.kind, s.price, s.lots)
        }
        const exchange = createExchange(config)
        batches.forEach(({ steps, hash }, i) => {
          exchange.applyBatch(JSON.stringify(steps.map(wire)), i + 1)
          if (hash) expect(exchange.stateHash()).toBe(fullStateHash(exchange))
        })
        expect(exchange.stateHash()).toBe(fullStateHash(exchange))
      }),
      { numRuns: 25 },
    )
  })

  it('restored from kept leaves (some missing) equals the hash from scratch, then goes on', () => {
    const exchange = createExchange(config)
    exchange.applyBatch(
      JSON.stringify([order(0, 1, 'buy', 1999, 100), order(1, 1, 'sell', 2001, 50)]),
      1,
    )
    exchange.applyBatch(JSON.stringify([order(2, 1, 'sell', 1999, 40)]), 2)
    const ledger = snapshotLedger(exchange.ledger)
    const stored = {
      ...ledger,
      nonceWindows: ledger.nonceWindows.map(({ signer, nonces }, i) =>
        i % 2 === 0 ? { signer, text: nonces.join(' ') } : { signer, nonces },
      ),
    }
    const keep = ([key, value]: readonly [string, string | undefined]): KeptLeaf => {
      const { bucket, digest } = hashLeaf(key, value!)
      return { bucket, digest: Buffer.from(digest).toString('hex') }
    }
    const kept = {
      // Every third leaf not kept (rows from before leaves were kept): hashed from its value.
      balances: ledger.balances.map((b, i) =>
        i % 3 === 0 ? undefined : keep(balanceLeaf(b.address, b.token, b)),
      ),
      nonceWindows: ledger.nonceWindows.map((w, i) =>
        i % 3 === 1 ? undefined : keep(nonceWindowLeaf(w.signer, w.nonces)),
      ),
    }
    expect(kept.balances.filter(Boolean).length).toBeGreaterThan(3)
    const hasher = new ExchangeStateHash(exchange)
    hasher.restore(stored, kept)
    expect(hasher.hash()).toBe(fullStateHash(exchange))
    const effects = exchange.applyBatch(JSON.stringify([order(3, 1, 'buy', 2001, 70)]), 3)
    hasher.markBatch(effects)
    expect(hasher.hash()).toBe(fullStateHash(exchange))
    // A kept leaf of another value gives another root: restore trusts what storage kept.
    const wrong = {
      ...kept,
      balances: [keep(['balance 0x00 USDT', '1 0']), ...kept.balances.slice(1)],
    }
    hasher.restore(stored, wrong)
    expect(hasher.hash()).not.toBe(fullStateHash(exchange))
    expect(() => hasher.restore(stored, { ...kept, balances: kept.balances.slice(1) })).toThrow(
      /kept leaves/,
    )
  })

  it('changes with time priority alone: the same orders queued in another order', () => {
    const aliceFirst = createExchange(config)
    aliceFirst.applyBatch(JSON.stringify([order(0, 1, 'buy', 1990, 10)]), 1)
    aliceFirst.applyBatch(JSON.stringify([order(1, 1, 'buy', 1990, 10)]), 2)
    const bobFirst = createExchange(config)
    bobFirst.applyBatch(JSON.stringify([order(1, 1, 'buy', 1990, 10)]), 1)
    bobFirst.applyBatch(JSON.stringify([order(0, 1, 'buy', 1990, 10)]), 2)
    expect(bobFirst.stateHash()).not.toBe(aliceFirst.stateHash())
  })

  it('changes with a market-data sequence number alone (an order placed and cancelled)', () => {
    const untouched = createExchange(config)
    untouched.applyBatch(JSON.stringify([order(0, 1, 'buy', 1990, 10)]), 1)
    const cycled = createExchange(config)
    cycled.applyBatch(JSON.stringify([order(0, 1, 'buy', 1990, 10)]), 1)
    const cancel = { action: 'cancel', nonce: '2', market: 'ETH/USDT', orderId: idOf(0, 1) }
    // Same nonce window shape on both sides: untouched spends nonce 2 on a refused cancel.
    untouched.applyBatch(
      JSON.stringify([signIntent(alice, tokens, { ...cancel, orderId: idOf(0, 9) })]),
      2,
    )
    cycled.applyBatch(JSON.stringify([signIntent(alice, tokens, cancel)]), 2)
    cycled.applyBatch(JSON.stringify([order(0, 3, 'buy', 1990, 10)]), 3)
    untouched.applyBatch(JSON.stringify([]), 3)
    // Both now differ in the book's sequence number and the open order's id; the leaf test
    // below pins the sequence number alone.
    expect(cycled.stateHash()).not.toBe(untouched.stateHash())
  })

  it('covers every kind of consensus state', () => {
    const exchange = createExchange(config)
    exchange.applyBatch(
      JSON.stringify([order(0, 1, 'buy', 1990, 10), order(1, 1, 'sell', 1990, 5)]),
      1,
    )
    const kinds = new Set([...exchangeStateLeaves(exchange)].map(([key]) => key.split(' ')[0]))
    expect([...kinds].sort()).toEqual(['balance', 'issuer', 'market', 'nonces', 'order', 'token'])
  })
})

describe('state leaves', () => {
  /** Each covered field, changed alone, changes the leaf: dropping a field fails here. */
  const open: OpenOrder = {
    orderId: '0x01',
    market: 'ETH/USDT',
    owner: '0xaa',
    side: 'buy',
    orderType: 'limit',
    price: 100,
    lots: 5,
    originalLots: 7,
  }
  const placed = { placedIndex: 3, placedPosition: 4 }
  const variants: [string, string | undefined, string | undefined][] = [
    ['issuer', issuerLeaf('0xaa')[1], issuerLeaf('0xab')[1]],
    ['token decimals', tokenLeaf('ETH', 18)[1], tokenLeaf('ETH', 6)[1]],
    [
      'available',
      balanceLeaf('0xaa', 'ETH', { available: 1n, locked: 2n })[1],
      balanceLeaf('0xaa', 'ETH', { available: 3n, locked: 2n })[1],
    ],
    [
      'locked',
      balanceLeaf('0xaa', 'ETH', { available: 1n, locked: 2n })[1],
      balanceLeaf('0xaa', 'ETH', { available: 1n, locked: 3n })[1],
    ],
    ['nonces', nonceWindowLeaf('0xaa', [1n, 2n])[1], nonceWindowLeaf('0xaa', [1n, 3n])[1]],
    ['trade seq', marketLeaf('ETH/USDT', 1, 2)[1], marketLeaf('ETH/USDT', 2, 2)[1]],
    ['book seq', marketLeaf('ETH/USDT', 1, 2)[1], marketLeaf('ETH/USDT', 1, 3)[1]],
    ...(
      [
        ['market', 'BTC/USDT'],
        ['owner', '0xab'],
        ['side', 'sell'],
        ['orderType', 'post_only'],
        ['price', 101],
        ['lots', 6],
        ['originalLots', 8],
      ] as const
    ).map(([field, value]): [string, string | undefined, string | undefined] => [
      `order ${field}`,
      orderLeaf('0x01', open, placed)[1],
      orderLeaf('0x01', { ...open, [field]: value }, placed)[1],
    ]),
    [
      'order placedIndex',
      orderLeaf('0x01', open, placed)[1],
      orderLeaf('0x01', open, { ...placed, placedIndex: 2 })[1],
    ],
    [
      'order placedPosition',
      orderLeaf('0x01', open, placed)[1],
      orderLeaf('0x01', open, { ...placed, placedPosition: 5 })[1],
    ],
  ]

  it.each(variants)('change with %s', (_field, before, after) => {
    expect(before).toBeDefined()
    expect(after).not.toBe(before)
  })

  it('are absent for zero balances, empty windows and closed orders', () => {
    expect(balanceLeaf('0xaa', 'ETH', { available: 0n, locked: 0n })[1]).toBeUndefined()
    expect(nonceWindowLeaf('0xaa', [])[1]).toBeUndefined()
    expect(orderLeaf('0x01', undefined, placed)[1]).toBeUndefined()
  })
})
