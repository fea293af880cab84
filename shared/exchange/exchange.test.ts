import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { intentId, parseIntent, verifyIntent, type WireIntent } from '../intents/index.ts'
import { checkLedgerInvariants, snapshotLedger } from '../ledger/index.ts'
import {
  createExchange,
  devnetMarkets,
  devnetTokens,
  precheckIntent,
  restoreExchange,
  type BatchEffects,
  type EngineOperation,
  type Exchange,
  type OrderUpdate,
} from './index.ts'
import { recordEngineOperations, signIntent, testAccount, testDomain } from './testing.ts'

const faucet = testAccount(1)
const alice = testAccount(2)
const bob = testAccount(3)
const genesis = {
  issuer: faucet.address,
  tokens: [...devnetTokens],
  balances: [
    { address: alice.address, token: 'USDT', amount: '100000' },
    { address: bob.address, token: 'ETH', amount: '10' },
  ],
}
const config = { domain: testDomain, genesis, markets: devnetMarkets }
const tokens = createExchange(config).ledger.tokens

function sign(account = alice, fields: Record<string, string>): WireIntent {
  return signIntent(account, tokens, fields)
}
const order = (account: typeof alice, nonce: number, side: string, price: string, qty: string) =>
  sign(account, {
    action: 'order',
    nonce: String(nonce),
    market: 'ETH/USDT',
    side,
    type: 'limit',
    price,
    quantity: qty,
    timeInForce: 'GTC',
  })
const idOf = (account: typeof alice, nonce: number) =>
  intentId({ ...testDomain, signer: account.address, nonce: BigInt(nonce) } as never)

describe('applyBatch', () => {
  it('applies transfers and mints, rejects and skips hostile items, never throws', () => {
    const exchange = createExchange(config)
    const pay = sign(alice, {
      action: 'transfer',
      nonce: '1',
      to: bob.address,
      token: 'USDT',
      amount: '30',
    })
    const mint = sign(faucet, {
      action: 'mint',
      nonce: '7',
      to: bob.address,
      token: 'BTC',
      amount: '1.5',
    })
    const fake = sign(bob, {
      action: 'mint',
      nonce: '1',
      to: bob.address,
      token: 'BTC',
      amount: '1',
    })
    const batch = [pay, pay, { ...pay, nonce: '2' }, mint, fake, 'junk', { ...pay, app: 'other' }]
    const effects = exchange.applyBatch(JSON.stringify(batch), 1)
    expect(effects.receipts.map((r) => [r.position, r.status, r.reason])).toEqual([
      [0, 'applied', undefined],
      [3, 'applied', undefined],
      [4, 'rejected', 'not_issuer'],
    ])
    expect(effects.skipped.map((s) => s.reason)).toEqual([
      'nonce_already_used',
      'signer_mismatch',
      'malformed_intent',
      'wrong_app',
    ])
    // Reasons are closed sets of codes end to end, not free text (checked by the type check).
    // @ts-expect-error a skip reason is a stable code, `malformed_batch` or a replay code
    const free: BatchEffects['skipped'][number]['reason'] = 'looked wrong'
    // @ts-expect-error an order's reason is a `StableReasonCode`
    const freeOrder: OrderUpdate['reason'] = 'cancelled by admin'
    expect([free, freeOrder]).toHaveLength(2)
    expect(exchange.ledger.available(bob.address, 'USDT')).toBe(30_000_000n)
    expect(exchange.ledger.available(bob.address, 'BTC')).toBe(150_000_000n)
    expect(effects.balances.map((b) => [b.address, b.token])).toEqual(
      [
        [alice.address, 'USDT'],
        [bob.address, 'BTC'],
        [bob.address, 'USDT'],
      ].sort(),
    )
    for (const body of ['', 'null', '{"a":1}', '[[[[]]]]', '[1,2,3]', 'x'.repeat(10_000)]) {
      expect(() => exchange.applyBatch(body, 2)).not.toThrow()
    }
    expect(checkLedgerInvariants(exchange.ledger)).toEqual([])
  })

  it('matches orders with escrow: locks, fills at the maker price, trades and deltas', () => {
    const exchange = createExchange(config)
    const first = exchange.applyBatch(JSON.stringify([order(bob, 1, 'sell', '2000', '2')]), 1)
    expect(first.receipts[0]?.status).toBe('applied')
    expect(exchange.ledger.balance(bob.address, 'ETH')).toEqual({
      available: 8n * 10n ** 18n,
      locked: 2n * 10n ** 18n,
    })
    expect(first.book).toEqual([
      {
        market: 'ETH/USDT',
        seq: 1,
        side: 'sell',
        price: 2_000_000_000n,
        quantity: 2n * 10n ** 18n,
        index: 1,
      },
    ])
    const second = exchange.applyBatch(JSON.stringify([order(alice, 1, 'buy', '2100', '0.5')]), 2)
    expect(second.trades).toMatchObject([
      { seq: 1, price: 2_000_000_000n, quantity: 5n * 10n ** 17n, takerSide: 'buy' },
    ])
    expect(exchange.ledger.balance(alice.address, 'ETH').available).toBe(5n * 10n ** 17n)
    expect(exchange.ledger.balance(alice.address, 'USDT')).toEqual({
      available: 99_000_000_000n,
      locked: 0n,
    })
    const byId = new Map(second.orders.map((o) => [o.orderId, o]))
    expect(byId.get(idOf(bob, 1))).toMatchObject({ status: 'open', filled: 5n * 10n ** 17n })
    expect(byId.get(idOf(alice, 1))).toMatchObject({ status: 'filled', remaining: 0n })
    const cancel = sign(bob, {
      action: 'cancel',
      nonce: '2',
      market: 'ETH/USDT',
      orderId: idOf(bob, 1),
    })
    const third = exchange.applyBatch(JSON.stringify([cancel, cancel]), 3)
    expect(third.receipts.map((r) => r.status)).toEqual(['applied'])
    expect(third.orders[0]).toMatchObject({ status: 'cancelled', reason: 'user_cancelled' })
    expect(exchange.ledger.balance(bob.address, 'ETH').locked).toBe(0n)
    expect(checkLedgerInvariants(exchange.ledger)).toEqual([])
  })

  it('records rejected orders and explains them', () => {
    const exchange = createExchange(config)
    const effects = exchange.applyBatch(
      JSON.stringify([
        order(alice, 1, 'buy', '2000.001', '1'),
        order(alice, 2, 'buy', '2000', '0.0001'),
        order(alice, 3, 'buy', '2000', '0.001'),
        order(alice, 4, 'buy', '2000000', '1'),
        order(bob, 1, 'sell', '2000', '100'),
      ]),
      1,
    )
    expect(effects.receipts.map((r) => r.reason)).toEqual([
      'price_not_on_tick',
      'quantity_not_on_lot',
      'below_min_size',
      'insufficient_balance',
      'insufficient_balance',
    ])
    expect(effects.orders.every((o) => o.status === 'rejected')).toBe(true)
    expect(effects.book).toEqual([])
  })

  it('prechecks nonces against the applied batch time and the replica clock', () => {
    const exchange = createExchange(config)
    const T = 1_800_000_000_000
    const day = 24 * 60 * 60 * 1000
    exchange.applyBatch('[]', 1, T)
    const pay = (nonce: number) =>
      sign(alice, {
        action: 'transfer',
        nonce: String(nonce),
        to: bob.address,
        token: 'USDT',
        amount: '1',
      })
    const check = (nonce: number, nowMs: number) => {
      const verified = verifyIntent(parseIntentOk(pay(nonce)), exchange.domain)
      if (!verified.ok) throw new Error(verified.reason)
      return precheckIntent(exchange, verified.value, {}, nowMs)
    }
    expect(check(T + 1, T)).toBeUndefined()
    // Too old for the applied time: too old for good.
    expect(check(T - 2 * day, T)).toBe('expired')
    expect(check(1, 0)).toBe('expired')
    // A day ahead of the applied time, but not of a later clock: the next batches may take it.
    expect(check(T + day, T + 2 * day)).toBeUndefined()
    expect(check(T + day, T)).toBe('expired')
  })

  it('prechecks submissions against the applied state', () => {
    const exchange = createExchange(config)
    const pay = sign(alice, {
      action: 'transfer',
      nonce: '1',
      to: bob.address,
      token: 'USDT',
      amount: '1',
    })
    const check = (wire: WireIntent) => precheckWire(exchange, wire)
    expect(check(pay)).toBeUndefined()
    exchange.applyBatch(JSON.stringify([pay]), 1)
    expect(check(pay)).toBe('replay')
    const big = sign(alice, {
      action: 'transfer',
      nonce: '2',
      to: bob.address,
      token: 'USDT',
      amount: '100000',
    })
    expect(check(big)).toBe('insufficient_available')
    expect(check(order(alice, 3, 'buy', '2000', '100'))).toBe('insufficient_available')
    expect(check(order(alice, 4, 'buy', '2000', '0.001'))).toBe('below_min_size')
    const mint = { action: 'mint', nonce: '5', to: bob.address, token: 'ETH', amount: '1' }
    expect(check(sign(bob, mint))).toBe('not_issuer')
  })
})

function parseIntentOk(wire: WireIntent) {
  const parsed = parseIntent(wire, tokens)
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.value
}

function precheckWire(exchange: Exchange, wire: WireIntent): string | undefined {
  const parsed = parseIntent(wire, exchange.ledger.tokens)
  if (!parsed.ok) return parsed.reason
  const verified = verifyIntent(parsed.value, exchange.domain)
  if (!verified.ok) return verified.reason
  return precheckIntent(exchange, verified.value)
}

/** Storage as a replica keeps it, folded from effects. */
class FakeStore {
  readonly orders = new Map<string, OrderUpdate>()
  readonly tradeSeqs = new Map<string, number>()
  readonly bookSeqs = new Map<string, number>()
  time = 0

  write(effects: BatchEffects): void {
    this.time = effects.time
    for (const update of effects.orders) this.orders.set(update.orderId, update)
    for (const trade of effects.trades) this.tradeSeqs.set(trade.market, trade.seq)
    for (const delta of effects.book) this.bookSeqs.set(delta.market, delta.seq)
  }

  /**
   * Books from the open orders and sequence numbers, or by replaying `replay`, the engine
   * operations a replica stored before migration 0008.
   */
  restore(exchange: Exchange, replay?: readonly EngineOperation[]): Exchange {
    return restoreExchange(config, {
      ledger: snapshotLedger(exchange.ledger),
      ...(replay !== undefined ? { engineOperations: [...replay] } : { bookSeqs: this.bookSeqs }),
      openOrders: [...this.orders.values()].filter((o) => o.status === 'open'),
      tradeSeqs: this.tradeSeqs,
      time: this.time,
    })
  }
}

describe('batch time', () => {
  it('is the sync point time, never going back, and kept by batches without one', () => {
    const exchange = createExchange(config)
    expect(exchange.time).toBe(0)
    const times = [5_000, undefined, 4_000, 9_000].map(
      (syncPointMs, i) => exchange.applyBatch('[]', i + 1, syncPointMs).time,
    )
    expect(times).toEqual([5_000, 5_000, 5_000, 9_000])
    expect(exchange.time).toBe(9_000)
  })

  it('stamps trades with their batch time', () => {
    const exchange = createExchange(config)
    exchange.applyBatch(JSON.stringify([order(bob, 1, 'sell', '2000', '1')]), 1, 1_000)
    const effects = exchange.applyBatch(
      JSON.stringify([order(alice, 1, 'buy', '2000', '1')]),
      2,
      2_000,
    )
    expect(effects.trades.map((trade) => trade.time)).toEqual([2_000])
  })

  it('decides nonces: expired gets a receipt, one below a full window is skipped', () => {
    const exchange = createExchange(config)
    const T = 1_800_000_000_000
    const pay = (nonce: number) =>
      sign(alice, {
        action: 'transfer',
        nonce: String(nonce),
        to: bob.address,
        token: 'USDT',
        amount: '1',
      })
    const fresh = Array.from({ length: 100 }, (_, i) => pay(T + 1 + i))
    const effects = exchange.applyBatch(JSON.stringify([pay(1), ...fresh, pay(T)]), 1, T)
    expect(effects.time).toBe(T)
    expect(effects.receipts.filter((r) => r.status === 'applied')).toHaveLength(100)
    // Nonce 1 is expired at T: a receipt, and it is spent (then evicted by the 100 above it)...
    expect(effects.receipts.filter((r) => r.status === 'rejected').map((r) => r.reason)).toEqual([
      'expired',
    ])
    // ...and T, below the full window of T + 1 … T + 100, is refused without a receipt.
    expect(effects.skipped.map((s) => s.reason)).toEqual(['nonce_too_low'])
    expect(effects.evictedNonces).toEqual([{ signer: alice.address, nonce: 1n }])
  })

  it('is restored with the state', () => {
    const exchange = createExchange(config)
    const store = new FakeStore()
    store.write(exchange.applyBatch('[]', 1, 7_000))
    expect(store.restore(exchange).time).toBe(7_000)
  })
})

describe('restore', () => {
  const traders = [alice, bob, testAccount(4), testAccount(5)]
  const richGenesis = {
    ...genesis,
    balances: traders.flatMap((t) => [
      { address: t.address, token: 'USDT', amount: '1000000' },
      { address: t.address, token: 'ETH', amount: '500' },
    ]),
  }
  const richConfig = { ...config, genesis: richGenesis }

  it('rebuilds an exchange equal to the original, which then evolves identically', () => {
    const nonces = new Map<string, number>()
    const intentArbitrary = fc.record({
      trader: fc.integer({ min: 0, max: 3 }),
      kind: fc.constantFrom('buy', 'sell', 'buy', 'sell', 'cancel', 'cancelAll'),
      price: fc.integer({ min: 1990, max: 2010 }),
      lots: fc.integer({ min: 10, max: 200 }),
      target: fc.integer({ min: 0, max: 50 }),
    })
    fc.assert(
      fc.property(
        fc.array(fc.array(intentArbitrary, { maxLength: 8 }), { maxLength: 30 }),
        (batches) => {
          nonces.clear()
          const placed: string[] = []
          const wire = (step: (typeof batches)[number][number]) => {
            const trader = traders[step.trader]!
            const nonce = (nonces.get(trader.address) ?? 0) + 1
            nonces.set(trader.address, nonce)
            if (step.kind === 'cancel') {
              const orderId = placed[step.target % Math.max(placed.length, 1)] ?? idOf(trader, 999)
              return sign(trader, {
                action: 'cancel',
                nonce: String(nonce),
                market: 'ETH/USDT',
                orderId,
              })
            }
            if (step.kind === 'cancelAll') {
              return sign(trader, { action: 'cancelAll', nonce: String(nonce), market: 'ETH/USDT' })
            }
            placed.push(idOf(trader, nonce))
            return order(trader, nonce, step.kind, String(step.price), String(step.lots / 1000))
          }
          const bodies = batches.map((batch) => JSON.stringify(batch.map(wire)))
          const half = Math.floor(bodies.length / 2)
          const original = createExchange(richConfig)
          const operations = recordEngineOperations(original.engine)
          const store = new FakeStore()
          bodies.slice(0, half).forEach((body, i) => store.write(original.applyBatch(body, i + 1)))
          const restored = store.restore(original)
          const replayed = store.restore(original, operations)
          expect(restored.stateHash()).toBe(original.stateHash())
          expect(replayed.stateHash()).toBe(original.stateHash())
          bodies.slice(half).forEach((body, i) => {
            const a = original.applyBatch(body, half + i + 1)
            expect(restored.applyBatch(body, half + i + 1)).toEqual(a)
            expect(replayed.applyBatch(body, half + i + 1)).toEqual(a)
          })
          expect(restored.stateHash()).toBe(original.stateHash())
          expect(replayed.stateHash()).toBe(original.stateHash())
          expect(checkLedgerInvariants(restored.ledger)).toEqual([])
        },
      ),
      { numRuns: 25 },
    )
  })
})

describe('spam', () => {
  const strangerIntents = (stranger: typeof alice, first: number) => [
    sign(stranger, {
      action: 'transfer',
      nonce: String(first),
      to: bob.address,
      token: 'USDT',
      amount: '5',
    }),
    order(stranger, first + 1, 'buy', '2000', '1'),
    order(stranger, first + 2, 'sell', '2000', '1'),
    sign(stranger, { action: 'cancelAll', nonce: String(first + 3), market: 'ETH/USDT' }),
    sign(stranger, {
      action: 'cancel',
      nonce: String(first + 4),
      market: 'ETH/USDT',
      orderId: idOf(alice, 1),
    }),
    sign(stranger, {
      action: 'mint',
      nonce: String(first + 5),
      to: stranger.address,
      token: 'BTC',
      amount: '1',
    }),
    // Expired at time 0: nonces must be below one day.
    sign(stranger, { action: 'cancelAll', nonce: String(10 ** 12), market: 'ETH/USDT' }),
  ]

  it('from signers without an account leaves the state hash unchanged, with receipts apart', () => {
    const exchange = createExchange(config)
    // Alice rests an order, so a stranger's cancel names a real order (not the stranger's).
    exchange.applyBatch(JSON.stringify([order(alice, 1, 'buy', '1990', '1')]), 1)
    const before = exchange.stateHash()
    const strangers = Array.from({ length: 20 }, (_, i) => testAccount(7_000 + i))
    const body = strangers.flatMap((stranger) => strangerIntents(stranger, 1))
    const effects = exchange.applyBatch(JSON.stringify(body), 2)
    expect(exchange.stateHash()).toBe(before)
    expect(effects.receipts).toEqual([])
    expect(effects.nonces).toEqual([])
    expect(effects.orders).toEqual([])
    expect(effects.balances).toEqual([])
    expect(effects.book).toEqual([])
    expect(effects.droppedReceipts).toHaveLength(body.length)
    expect(new Set(effects.droppedReceipts.map((r) => r.reason))).toEqual(
      new Set([
        'insufficient_available',
        'insufficient_balance',
        'no_open_orders',
        'not_owner',
        'not_issuer',
        'expired',
      ]),
    )
    for (const stranger of strangers) {
      expect(exchange.ledger.hasAccount(stranger.address)).toBe(false)
      expect(exchange.ledger.addresses()).not.toContain(stranger.address)
    }
  })

  it('spends nonces of accounts; a stranger’s rejected intent may apply later', () => {
    const exchange = createExchange(config)
    const carol = testAccount(7_100)
    const early = sign(carol, {
      action: 'transfer',
      nonce: '1',
      to: bob.address,
      token: 'USDT',
      amount: '5',
    })
    expect(exchange.applyBatch(JSON.stringify([early]), 1).droppedReceipts).toHaveLength(1)
    // Alice funds Carol; the same signed intent, sequenced again, now applies (within its window).
    const fund = sign(alice, {
      action: 'transfer',
      nonce: '1',
      to: carol.address,
      token: 'USDT',
      amount: '10',
    })
    const effects = exchange.applyBatch(JSON.stringify([fund, early]), 2)
    expect(effects.receipts.map((r) => r.status)).toEqual(['applied', 'applied'])
    // Now an account: a rejected intent spends its nonce and keeps its receipt.
    const tooMuch = sign(carol, {
      action: 'transfer',
      nonce: '2',
      to: bob.address,
      token: 'USDT',
      amount: '500',
    })
    const later = exchange.applyBatch(JSON.stringify([tooMuch]), 3)
    expect(later.receipts.map((r) => r.reason)).toEqual(['insufficient_available'])
    expect(later.nonces).toEqual([{ signer: carol.address, nonce: 2n }])
  })

  it('pre-check refuses a cancel-all with nothing to cancel', () => {
    const exchange = createExchange(config)
    const cancelAll = sign(alice, { action: 'cancelAll', nonce: '5', market: 'ETH/USDT' })
    expect(precheckWire(exchange, cancelAll)).toBe('no_open_orders')
    const verified = verifyIntent(parseIntentOk(cancelAll), exchange.domain)
    if (!verified.ok) throw new Error(verified.reason)
    const pending = { hasOrderFrom: (signer: string) => signer === alice.address }
    expect(precheckIntent(exchange, verified.value, pending)).toBeUndefined()
    exchange.applyBatch(JSON.stringify([order(alice, 1, 'buy', '1990', '1')]), 1)
    expect(precheckWire(exchange, cancelAll)).toBeUndefined()
  })
})
