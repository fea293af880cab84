import type { MarketInfo, Trade } from '../../shared/api/index.ts'
import type { ListedMarket } from '../../shared/exchange/index.ts'
import type { ReplicaState } from './replicaState.ts'
import type { OrdersPage, OrdersPageParameters, StoredReceipt } from './store/replicaStorage.ts'

/*
 * What the read routes ask the replica, in one place: the latest state comes from memory, after
 * `ReplicaState.settled()` (so never from a batch whose commit is still in flight), history and
 * pages from the storage (`ReplicaStorage`), whose queries see whole commits only. Routes call
 * these rather than reaching into the exchange, the engine or the database.
 */

/** A price level of a book in API units (base units of the quote per whole base token). */
interface BookLevel {
  readonly price: string
  readonly quantity: string
  readonly orders: number
}

/** A market's book at the applied index: at most `depth` levels per side. */
export interface BookAt {
  readonly market: string
  /** The market's book delta sequence number (of its last change). */
  readonly seq: number
  readonly index: number
  readonly bids: BookLevel[]
  readonly asks: BookLevel[]
}

/** The listed market `id`, or undefined. Markets are configuration: no commit changes them. */
export function findMarket(state: ReplicaState, id: string): ListedMarket | undefined {
  return state.exchange.markets.get(id)
}

/** Every listed market's definition. */
export function listMarkets(state: ReplicaState): MarketInfo[] {
  return [...state.exchange.markets.values()].map((market) => ({ ...market.spec }))
}

/** Every token's symbol and decimals. */
export function listTokens(state: ReplicaState): { symbol: string; decimals: number }[] {
  return [...state.exchange.ledger.tokens.values()].map(({ symbol, decimals }) => ({
    symbol,
    decimals,
  }))
}

/** The top `depth` levels of each side of `market`'s book, at the applied index. */
export async function readBook(
  state: ReplicaState,
  market: ListedMarket,
  depth: number,
): Promise<BookAt> {
  await state.settled()
  const found = state.exchange.engine.depth(market.spec.id, depth)
  const { lotBaseUnits, tickQuoteUnitsPerBaseToken } = market.engine
  const level = (entry: { price: number; lots: number; orders: number }): BookLevel => ({
    price: (BigInt(entry.price) * tickQuoteUnitsPerBaseToken).toString(),
    quantity: (BigInt(entry.lots) * lotBaseUnits).toString(),
    orders: entry.orders,
  })
  return {
    market: market.spec.id,
    seq: found.seq,
    index: state.position.index,
    bids: found.bids.map(level),
    asks: found.asks.map(level),
  }
}

/**
 * The applied index and every market's book sequence number at it, read in one step: where a
 * new event stream starts.
 */
export async function readBookSeqs(
  state: ReplicaState,
): Promise<{ index: number; books: { market: string; seq: number }[] }> {
  await state.settled()
  const books = [...state.exchange.markets.keys()].map((market) => ({
    market,
    seq: state.exchange.engine.depth(market, 0).seq,
  }))
  return { index: state.position.index, books }
}

/** A page of an owner's orders, and the applied index no older than the page. */
export async function readOrders(
  state: ReplicaState,
  parameters: OrdersPageParameters,
): Promise<OrdersPage & { index: number }> {
  // The index is taken first: the page is as of it or of a later commit, never older.
  const index = state.position.index
  const page = await state.storage.ordersPage(parameters)
  return { ...page, index }
}

/**
 * A page of `market`'s trades below `beforeSeq`, newest first; `prunedBelow` is set when the
 * page is empty because the trades below the cursor were pruned (history retention).
 */
export async function readTrades(
  state: ReplicaState,
  market: string,
  limit: number,
  beforeSeq: number | undefined,
): Promise<{ trades: Trade[]; prunedBelow?: number }> {
  const trades = await state.storage.tradesPage(market, limit, beforeSeq)
  if (trades.length > 0 || beforeSeq === undefined || beforeSeq <= 1) return { trades }
  // Trades below the cursor existed (seqs start at 1) but none is kept: pruned history.
  const prunedBelow = state.storage.historyPrunedBelow
  await state.settled()
  if (prunedBelow > 0 && state.exchange.tradeSeq(market) > 0) return { trades, prunedBelow }
  return { trades }
}

/** The stored receipt of an intent, if it is kept. */
export function readReceipt(
  state: ReplicaState,
  intentId: string,
): Promise<StoredReceipt | undefined> {
  return state.storage.receipt(intentId)
}

/** Below which batch the history (receipts, trades, closed orders) is pruned; 0: none. */
export function historyPrunedBelow(state: ReplicaState): number {
  return state.storage.historyPrunedBelow
}
