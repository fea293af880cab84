import type { SnapshotOrder, StateSnapshot } from '../api/index.ts'
import type { Address, TokenInfo, TokenSymbol } from '../intents/index.ts'
import { snapshotLedger, type StoredLedger } from '../ledger/index.ts'
import type { ExchangeRestoreParameters } from './createExchange.ts'
import type { OrderUpdate } from './effects.ts'
import type { Exchange } from './exchange.ts'

/** Where a snapshot stands: the applied batch it is the state after. */
export interface SnapshotPosition {
  readonly index: number
  readonly chainingHash: string
  readonly time: number
}

/**
 * The consensus state of `exchange` as a `GET /snapshot` body: every balance, nonce window and
 * open order, and each market's sequence numbers, at `position` (the exchange's applied index).
 * O(state); the caller takes it while no batch is being applied.
 */
export function takeStateSnapshot(
  exchange: Exchange,
  position: SnapshotPosition,
  replicaId: string,
): StateSnapshot {
  const ledger = snapshotLedger(exchange.ledger)
  const balances = ledger.balances.map(
    ({ address, token, available, locked }) =>
      [address, token, available.toString(), locked.toString()] as [string, string, string, string],
  )
  const nonceWindows = ledger.nonceWindows
    .filter(({ nonces }) => nonces.length > 0)
    .map(({ signer, nonces }) => [signer, nonces.map(String)] as [string, string[]])
  const openOrders = exchange.allOpenOrders().map((order) => wireOrder(order.toUpdate()))
  const markets = [...exchange.markets.keys()].map((market) => ({
    market,
    tradeSeq: exchange.tradeSeq(market),
    bookSeq: exchange.engine.marketSeq(market),
  }))
  const { index, chainingHash, time } = position
  return {
    version: 1,
    replicaId,
    index,
    chainingHash,
    time,
    balances,
    nonceWindows,
    openOrders,
    markets,
  }
}

/**
 * What `restoreExchange` rebuilds an exchange from, out of a snapshot: the tokens and issuer come
 * from the caller's own configuration, never from the snapshot. A snapshot naming a market the
 * configuration does not list is refused (it could not have come from this network).
 */
export function restoreParametersOf(
  snapshot: StateSnapshot,
  tokens: readonly TokenInfo[],
  issuer: Address,
  markets: readonly string[],
): ExchangeRestoreParameters & { readonly ledger: StoredLedger } {
  const listed = new Set(markets)
  const named = snapshot.markets.map(({ market }) => market)
  if (named.length !== listed.size || !named.every((market) => listed.has(market))) {
    throw new Error(`snapshot markets ${named.join(', ')} are not this network's`)
  }
  // Addresses and tokens are checked by the ledger's restore (canonical, listed), as from storage.
  return {
    ledger: {
      tokens,
      issuer,
      balances: snapshot.balances.map(([address, token, available, locked]) => ({
        address: address as Address,
        token: token as TokenSymbol,
        available: BigInt(available),
        locked: BigInt(locked),
      })),
      nonceWindows: snapshot.nonceWindows.map(([signer, nonces]) => ({
        signer: signer as Address,
        nonces: nonces.map(BigInt),
      })),
    },
    openOrders: snapshot.openOrders.map(orderUpdateOf),
    bookSeqs: new Map(snapshot.markets.map(({ market, bookSeq }) => [market, bookSeq])),
    tradeSeqs: new Map(snapshot.markets.map(({ market, tradeSeq }) => [market, tradeSeq])),
    time: snapshot.time,
  }
}

function wireOrder(order: OrderUpdate): SnapshotOrder {
  const { orderId, market, owner, side, type, timeInForce } = order
  const { placedIndex, placedPosition, updatedIndex } = order
  return {
    orderId,
    market,
    owner,
    side,
    type,
    timeInForce,
    price: order.price.toString(),
    quantity: order.quantity.toString(),
    filled: order.filled.toString(),
    remaining: order.remaining.toString(),
    placedIndex,
    placedPosition,
    updatedIndex,
  }
}

function orderUpdateOf(order: SnapshotOrder): OrderUpdate {
  // What the state leaf does not hold must still be what the leaf implies: an order rests only
  // as GTC or POST_ONLY, and what is not filled of it is what rests.
  if (order.timeInForce === 'IOC' || order.type !== 'limit') {
    throw new Error(
      `snapshot order ${order.orderId}: a ${order.type} ${order.timeInForce} order rests`,
    )
  }
  if (BigInt(order.filled) + BigInt(order.remaining) !== BigInt(order.quantity)) {
    throw new Error(`snapshot order ${order.orderId}: filled and remaining are not its quantity`)
  }
  return {
    ...order,
    orderId: order.orderId as OrderUpdate['orderId'],
    owner: order.owner as Address,
    price: BigInt(order.price),
    quantity: BigInt(order.quantity),
    filled: BigInt(order.filled),
    remaining: BigInt(order.remaining),
    status: 'open',
  }
}
