import type { MarketInfo } from '../api/index.ts'
import type { IntentDomain, SignerBackend } from '../intents/index.ts'
import {
  createLedger,
  restoreLedger,
  type LedgerGenesis,
  type StoredLedger,
} from '../ledger/index.ts'
import type { OrderUpdate } from './effects.ts'
import { replayEngineOperations, type EngineOperation } from './engineOperations.ts'
import { Exchange } from './exchange.ts'
import type { KeptLedgerLeaves } from './exchangeStateHash.ts'
import { OrderState } from './orderState.ts'
import { toOrderType, toOrderUnits } from '../orderbook/index.ts'

/** Configuration every replica of one deployment shares. */
export interface ExchangeConfig {
  readonly domain: IntentDomain
  readonly genesis: LedgerGenesis
  readonly markets: readonly MarketInfo[]
  readonly signerBackend?: SignerBackend
}

/**
 * The exchange at index 0: genesis balances, empty books.
 * @example
 * const exchange = createExchange({ domain, genesis, markets: devnetMarkets })
 * const effects = exchange.applyBatch(batch.body, batch.index)
 */
export function createExchange(config: ExchangeConfig): Exchange {
  return new Exchange({ ...config, ledger: createLedger(config.genesis) })
}

/** What storage holds to rebuild an exchange; see `restoreExchange`. */
export interface ExchangeRestoreParameters {
  readonly ledger: StoredLedger
  /**
   * Each market's market-data sequence number: the books are rebuilt from `openOrders` in time
   * priority. Undefined for storage from before these were kept: the books are then rebuilt by
   * replaying `engineOperations`.
   */
  readonly bookSeqs?: ReadonlyMap<string, number> | undefined
  /** Every accepted engine operation, in the order it was applied (only without `bookSeqs`). */
  readonly engineOperations?: Iterable<EngineOperation>
  /** The rows of the orders that are open. */
  readonly openOrders: readonly OrderUpdate[]
  /** Trades so far per market. */
  readonly tradeSeqs: ReadonlyMap<string, number>
  /** The deterministic time of the last applied batch (`Exchange.time`). */
  readonly time: number
  /**
   * The state-tree leaves storage kept beside the `ledger` rows (`KeptLedgerLeaves`): the tree
   * is rebuilt from them instead of hashing every balance and window; undefined: it is built
   * from the values at the first state hash.
   */
  readonly ledgerLeaves?: KeptLedgerLeaves | undefined
}

/**
 * Rebuilds the exchange from storage: the ledger from its snapshot, the books from the open
 * orders in time priority (O(n log n) in the open orders; or, for older storage, by replaying the
 * accepted engine operations with escrow suspended), and the open order records. Throws if the
 * rebuilt books and the stored open orders disagree, because a replica must never serve a state
 * no other replica has.
 */
export function restoreExchange(
  config: ExchangeConfig,
  stored: ExchangeRestoreParameters,
): Exchange {
  const exchange = new Exchange({ ...config, ledger: restoreLedger(stored.ledger) })
  const open = stored.openOrders.map(OrderState.restore)
  if (stored.bookSeqs === undefined) {
    replayEngineOperations(exchange.engine, exchange.escrow, stored.engineOperations ?? [])
  } else {
    restoreBooks(exchange, open, stored.bookSeqs)
  }
  exchange.restoreOrders(open, stored.tradeSeqs, stored.time)
  if (stored.ledgerLeaves !== undefined) {
    exchange.restoreStateTree(stored.ledger, stored.ledgerLeaves)
  }
  if (exchange.engine.openOrderCount !== stored.openOrders.length) {
    throw new Error(
      `restore: ${exchange.engine.openOrderCount} open orders in the books, ` +
        `${stored.openOrders.length} stored`,
    )
  }
  for (const row of stored.openOrders) {
    const open = exchange.engine.order(row.orderId)
    const market = exchange.markets.get(row.market)
    const lots = market === undefined ? -1n : row.remaining / market.engine.lotBaseUnits
    if (open === undefined || BigInt(open.lots) !== lots || open.owner !== row.owner) {
      throw new Error(`restore: open order ${row.orderId} differs from the replayed books`)
    }
  }
  return exchange
}

/** Rests every open order again, oldest (placed index, then position) first, and the seqs. */
function restoreBooks(
  exchange: Exchange,
  open: readonly OrderState[],
  bookSeqs: ReadonlyMap<string, number>,
): void {
  const byPriority = [...open].sort(
    (a, b) => a.placedIndex - b.placedIndex || a.placedPosition - b.placedPosition,
  )
  for (const order of byPriority) {
    const market = exchange.markets.get(order.market)
    const units = market && toOrderUnits(market.engine, order.price, order.quantity)
    const lot = market?.engine.lotBaseUnits ?? 1n
    if (units === undefined || !units.ok || order.remaining % lot !== 0n) {
      throw new Error(`restore: open order ${order.orderId} does not fit its market`)
    }
    exchange.engine.restoreOrder({
      orderId: order.orderId,
      market: order.market,
      owner: order.owner,
      side: order.side,
      orderType: toOrderType(order.type, order.timeInForce),
      price: units.price,
      lots: Number(order.remaining / lot), // tidy: allow below the order's lots, a safe integer
      originalLots: units.lots,
    })
  }
  for (const [market, seq] of bookSeqs) {
    if (exchange.markets.has(market)) exchange.engine.restoreMarketSeq(market, seq)
  }
}
