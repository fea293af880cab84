import { beforeAll, describe, expect, it } from 'vitest'
import { stateSnapshotSchema, type StateSnapshot } from '../api/index.ts'
import { initSha256 } from '../stateHash/index.ts'
import {
  createExchange,
  devnetMarkets,
  restoreExchange,
  restoreParametersOf,
  takeStateSnapshot,
} from './index.ts'
import { signIntent, signLimitOrder, testAccount, tradingConfig } from './testing.ts'

const traders = [2, 3, 4].map(testAccount)
const config = tradingConfig(traders)
const tokens = createExchange(config).ledger.tokens
const markets = devnetMarkets.map((market) => market.id)

const order = (trader: number, nonce: number, side: string, price: number, lots: number) =>
  signLimitOrder(traders[trader]!, tokens, { nonce, side, price, quantity: String(lots / 1000) })
const transfer = (trader: number, nonce: number) =>
  signIntent(traders[trader]!, tokens, {
    action: 'transfer',
    nonce: String(nonce),
    to: traders[(trader + 1) % 3]!.address,
    token: 'USDT',
    amount: '12.5',
  })

/** An exchange after a few batches: resting orders on both sides, a partial fill, windows. */
function tradedExchange() {
  const exchange = createExchange(config)
  exchange.applyBatch(
    JSON.stringify([order(0, 1, 'buy', 1999, 100), order(1, 1, 'sell', 2001, 50)]),
    1,
  )
  exchange.applyBatch(JSON.stringify([order(2, 1, 'sell', 1999, 40), transfer(0, 2)]), 2, 1_000)
  exchange.applyBatch(JSON.stringify([order(2, 2, 'buy', 1998, 30), transfer(1, 2)]), 3, 2_000)
  return exchange
}

const position = { index: 3, chainingHash: `0x${'ab'.repeat(32)}`, time: 2_000 }

/** The snapshot as a joining replica reads it: JSON over HTTP, parsed with the API schema. */
const overTheWire = (snapshot: StateSnapshot) =>
  stateSnapshotSchema.parse(JSON.parse(JSON.stringify(snapshot)))

const restored = (snapshot: StateSnapshot) =>
  restoreExchange(
    config,
    restoreParametersOf(
      snapshot,
      [...tokens.values()],
      createExchange(config).ledger.issuer,
      markets,
    ),
  )

beforeAll(() => initSha256())

describe('a state snapshot', () => {
  it('rebuilds an exchange with the same state hash that then applies batches alike', () => {
    const source = tradedExchange()
    const snapshot = overTheWire(takeStateSnapshot(source, position, 'replica-1'))
    expect(snapshot.openOrders.length).toBeGreaterThanOrEqual(2)
    expect(snapshot.nonceWindows.length).toBe(3)
    const copy = restored(snapshot)
    expect(copy.stateHash()).toBe(source.stateHash())
    expect(copy.time).toBe(source.time)
    // Both go on from the snapshot's index: matching against the restored book and windows.
    const next = JSON.stringify([order(1, 3, 'sell', 1998, 50), order(0, 2, 'buy', 2001, 80)])
    const a = source.applyBatch(next, 4, 3_000)
    const b = copy.applyBatch(next, 4, 3_000)
    expect(b.trades).toEqual(a.trades)
    expect(b.receipts).toEqual(a.receipts)
    expect(copy.stateHash()).toBe(source.stateHash())
    // A replayed nonce is refused by the restored window as by the source's.
    const replay = JSON.stringify([transfer(0, 2)])
    expect(copy.applyBatch(replay, 5).receipts).toEqual(source.applyBatch(replay, 5).receipts)
  })

  it('rebuilt from an altered snapshot has another state hash', () => {
    const source = tradedExchange()
    const honest = takeStateSnapshot(source, position, 'replica-1')
    const [address, token, available, locked] = honest.balances[0]!
    const richer = {
      ...honest,
      balances: [
        [address, token, String(BigInt(available) + 1n), locked],
        ...honest.balances.slice(1),
      ],
    } as StateSnapshot
    expect(restored(richer).stateHash()).not.toBe(source.stateHash())
    const [window, ...windows] = honest.nonceWindows
    const forgetful = { ...honest, nonceWindows: [[window![0], []], ...windows] } as StateSnapshot
    expect(restored(forgetful).stateHash()).not.toBe(source.stateHash())
    const markets = honest.markets.map((m) => ({ ...m, tradeSeq: m.tradeSeq + 1 }))
    expect(restored({ ...honest, markets }).stateHash()).not.toBe(source.stateHash())
  })

  it('is refused when an open order is one that cannot rest, or its fills do not add up', () => {
    const honest = takeStateSnapshot(tradedExchange(), position, 'replica-1')
    const [first, ...rest] = honest.openOrders
    const ioc = { ...honest, openOrders: [{ ...first!, timeInForce: 'IOC' as const }, ...rest] }
    expect(() => restored(ioc)).toThrow(/order rests/)
    const filled = { ...honest, openOrders: [{ ...first!, filled: '1' }, ...rest] }
    expect(() => restored(filled)).toThrow(/not its quantity/)
  })

  it('is refused when it names markets this network does not list', () => {
    const honest = takeStateSnapshot(tradedExchange(), position, 'replica-1')
    const markets = [...honest.markets, { market: 'DOGE/USDT', tradeSeq: 0, bookSeq: 0 }]
    expect(() => restored({ ...honest, markets })).toThrow(/not this network's/)
  })
})
