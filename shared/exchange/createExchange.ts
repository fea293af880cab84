import type { MarketInfo } from '../api/index.ts'
import type { IntentDomain, SignerBackend } from '../intents/index.ts'
import {
  createLedger,
  restoreLedger,
  type LedgerGenesis,
  type LedgerSnapshot,
} from '../ledger/index.ts'
import type { OrderUpdate } from './effects.ts'
import { replayEngineOperations, type EngineOperation } from './engineOperations.ts'
import { Exchange } from './exchange.ts'
import { OrderState } from './orderState.ts'

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
  readonly ledger: LedgerSnapshot
  /** Every accepted engine operation, in the order it was applied. */
  readonly engineOperations: Iterable<EngineOperation>
  /** The rows of the orders that are open. */
  readonly openOrders: readonly OrderUpdate[]
  /** Trades so far per market. */
  readonly tradeSeqs: ReadonlyMap<string, number>
  /** The deterministic time of the last applied batch (`Exchange.time`). */
  readonly time: number
}

/**
 * Rebuilds the exchange from storage: the ledger from its snapshot, the books by replaying the
 * accepted engine operations (escrow suspended: balances come from the snapshot), and the open
 * order records. Throws if the replayed books and the stored open orders disagree, because a
 * replica must never serve a state no other replica has.
 */
export function restoreExchange(
  config: ExchangeConfig,
  stored: ExchangeRestoreParameters,
): Exchange {
  const exchange = new Exchange({ ...config, ledger: restoreLedger(stored.ledger) })
  replayEngineOperations(exchange.engine, exchange.escrow, stored.engineOperations)
  exchange.restoreOrders(stored.openOrders.map(OrderState.restore), stored.tradeSeqs, stored.time)
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
