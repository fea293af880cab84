import type { Hex } from 'viem'
import {
  type CancelAllIntent,
  type CancelIntent,
  type IntentDomain,
  type OrderIntent,
  type SignerBackend,
  type StableReasonCode,
  type VerifiedIntent,
} from '../intents/index.ts'
import {
  applyIntent,
  claimNonce,
  isReplay,
  type Ledger,
  type StoredLedger,
} from '../ledger/index.ts'
import {
  createMatchingEngine,
  toOrderType,
  toOrderUnits,
  type MatchingEngine,
  type OperationResult,
  type PlaceOrderParameters,
} from '../orderbook/index.ts'
import type { MarketInfo } from '../api/index.ts'
import type {
  BatchEffects,
  BookLevelDelta,
  Receipt,
  SkippedItem,
  SkipReason,
  TradeRecord,
} from './effects.ts'
import { nextBatchTime } from './batchTime.ts'
import { ExchangeStateHash, type KeptLedgerLeaves } from './exchangeStateHash.ts'
import { SwitchableEscrow } from './engineOperations.ts'
import { listMarket, type ListedMarket } from './markets.ts'
import { prepareBatch, type PreparedBatch, type PreparedItem } from './prepareBatch.ts'
import { OrderState } from './orderState.ts'

/** What `Exchange` is built from; see `createExchange` and `restoreExchange`. */
export interface ExchangeParameters {
  readonly domain: IntentDomain
  readonly ledger: Ledger
  readonly markets: readonly MarketInfo[]
  /** Signature recovery; default the native backend when it loads. */
  readonly signerBackend?: SignerBackend
}

/** Per-batch scratch state. */
class BatchContext {
  readonly receipts: Receipt[] = []
  readonly droppedReceipts: Receipt[] = []
  readonly skipped: SkippedItem[] = []
  readonly touched = new Map<string, OrderState>()
  readonly trades: TradeRecord[] = []
  readonly book: BookLevelDelta[] = []
  position = 0
  /** The signer of the intent being applied had no account before it (see `Exchange`). */
  stranger = false

  constructor(
    readonly index: number,
    /** The batch's deterministic time, ms since the Unix epoch (see `Exchange.time`). */
    readonly time: number,
  ) {}

  touch(order: OrderState): void {
    order.updatedIndex = this.index
    if (!this.touched.has(order.orderId)) this.touched.set(order.orderId, order)
  }
}

/**
 * The replicated state machine: the ledger and the matching engine behind one `applyBatch`.
 * A batch is the JSON array of signed wire intents Zellular finalized; each item is parsed,
 * verified (signature, app, network), checked against its signer's nonce window and applied in
 * order. Hostile items never throw: they are skipped or get a rejected receipt. Pure and
 * deterministic: equal state and batch give equal effects on every replica. Only broken
 * invariants throw.
 *
 * Spam leaves no trace: a rejected intent whose signer had no account before it (no balance,
 * no kept nonce; an open order locks a balance) changes no state at all. Its nonce is released,
 * no account or order row is made, and its receipt goes to `droppedReceipts`, which replicas
 * keep only in a bounded log. So anyone may sign and sequence intents from fresh keys, and the
 * state stays what funded accounts hold.
 */
export class Exchange {
  readonly domain: IntentDomain
  readonly ledger: Ledger
  readonly engine: MatchingEngine
  readonly markets: ReadonlyMap<string, ListedMarket>
  readonly escrow: SwitchableEscrow
  /** The signer recovery this exchange verifies with (undefined: the default backend). */
  readonly signerBackend: SignerBackend | undefined
  private readonly openOrders = new Map<string, OrderState>()
  private readonly tradeSeqs = new Map<string, number>()
  private readonly stateHasher = new ExchangeStateHash(this)
  private batchTime = 0

  constructor(parameters: ExchangeParameters) {
    this.domain = parameters.domain
    this.ledger = parameters.ledger
    this.signerBackend = parameters.signerBackend
    const markets = new Map<string, ListedMarket>()
    for (const spec of parameters.markets) {
      markets.set(spec.id, listMarket(spec, this.ledger.tokens))
      this.tradeSeqs.set(spec.id, 0)
    }
    this.markets = markets
    this.escrow = new SwitchableEscrow(this.ledger)
    const engineMarkets = [...markets.values()].map((market) => market.engine)
    this.engine = createMatchingEngine({ markets: engineMarkets, escrow: this.escrow })
  }

  /**
   * The deterministic time of the last applied batch, in ms since the Unix epoch; 0 at genesis.
   * Each batch's time is `max(previous batch's time, its sync point's time)`: the quorum-signed
   * timestamp of the Zellular finalization that released it, never a replica's clock, and never
   * going back. A batch with no sync-point time (a legacy proof, or a test that applies bodies
   * directly) keeps the previous batch's time. Nonce windows and trade times use it.
   */
  get time(): number {
    return this.batchTime
  }

  /**
   * Applies one finalized batch body at `index` and returns what it did. `syncPointMs` is the
   * time of the finalization sync point that released it (see `time`).
   */
  applyBatch(body: string, index: number, syncPointMs?: number): BatchEffects {
    const parameters = { tokens: this.ledger.tokens, domain: this.domain }
    const backend = this.signerBackend === undefined ? {} : { signerBackend: this.signerBackend }
    return this.applyPrepared(prepareBatch(body, { ...parameters, ...backend }), index, syncPointMs)
  }

  /**
   * Applies a batch whose items `prepareBatch` already parsed and verified (possibly in another
   * thread) at `index`. Equal to `applyBatch` of the same body.
   */
  applyPrepared(prepared: PreparedBatch, index: number, syncPointMs?: number): BatchEffects {
    const time = nextBatchTime(this.batchTime, syncPointMs)
    this.batchTime = time
    const context = new BatchContext(index, time)
    if (prepared === null) {
      context.skipped.push({ position: -1, reason: 'malformed_batch' })
    } else {
      for (let position = 0; position < prepared.length; position++) {
        context.position = position
        const item = prepared[position] as PreparedItem
        if (item.ok) this.applyIntent(item.intent, context)
        else this.skip(context, item.reason)
      }
    }
    const { balances, nonces, evictedNonces, nonceWindows } = this.ledger.takeChanges()
    const orders = [...context.touched.values()].map((order) => order.toUpdate())
    const { receipts, droppedReceipts, skipped, trades, book } = context
    const effects = {
      index,
      time,
      receipts,
      droppedReceipts,
      skipped,
      balances,
      nonces,
      evictedNonces,
      nonceWindows,
      orders,
      trades,
      book,
    }
    this.stateHasher.markBatch(effects)
    return effects
  }

  /** The open order with this id, as the exchange tracks it. */
  openOrder(orderId: string): OrderState | undefined {
    return this.openOrders.get(orderId)
  }

  /** Every open order, oldest first by placement. */
  allOpenOrders(): OrderState[] {
    return [...this.openOrders.values()]
  }

  /** The number of trades so far in `market`. */
  tradeSeq(market: string): number {
    return this.tradeSeqs.get(market) ?? 0
  }

  /** Loads state read back from storage; only `restoreExchange` calls it. */
  restoreOrders(
    open: readonly OrderState[],
    tradeSeqs: ReadonlyMap<string, number>,
    time: number,
  ): void {
    this.batchTime = time
    for (const order of open) this.openOrders.set(order.orderId, order)
    for (const [market, seq] of tradeSeqs) {
      if (this.tradeSeqs.has(market)) this.tradeSeqs.set(market, seq)
    }
    this.stateHasher.markAll()
  }

  /**
   * Builds the state tree from the leaves storage kept beside the ledger rows the ledger was
   * restored from (`ExchangeStateHash.restore`), after `restoreOrders`; only `restoreExchange`
   * calls it.
   */
  restoreStateTree(stored: StoredLedger, kept: KeptLedgerLeaves): void {
    this.stateHasher.restore(stored, kept)
  }

  /**
   * The canonical hash of the consensus state (balances, nonce windows, open orders with their
   * time priority, each market's trade and book sequence numbers; not history): equal on every
   * honest replica at the same index. Incremental (`ExchangeStateHash`): it costs what changed
   * since the last call, not the state's size. Definition: `docs/state-hash.md`.
   */
  stateHash(): Hex {
    return this.stateHasher.hash()
  }

  /**
   * A proof of the leaf `key` (`docs/state-commitment.md`) under the latest `stateHash()`, or
   * undefined when it cannot be made now; see `ExchangeStateHash.prove`.
   */
  stateProof(
    key: string,
    value?: { readonly value: string | undefined },
  ): ReturnType<ExchangeStateHash['prove']> {
    return this.stateHasher.prove(key, value)
  }

  private applyIntent(intent: VerifiedIntent, context: BatchContext): void {
    context.stranger = !this.ledger.hasAccount(intent.signer)
    if (intent.action === 'transfer' || intent.action === 'mint') {
      const receipt = applyIntent(this.ledger, intent, context.time)
      const reason = receipt.status === 'rejected' ? receipt.reason : undefined
      if (isReplay(reason)) return this.skip(context, reason)
      return this.receipt(context, intent, reason)
    }
    const refused = claimNonce(this.ledger, intent, context.time)
    if (refused !== undefined) {
      if (isReplay(refused.reason)) return this.skip(context, refused.reason)
      return this.receipt(context, intent, refused.reason)
    }
    if (intent.action === 'order')
      return this.placeOrder(intent as VerifiedIntent<OrderIntent>, context)
    if (intent.action === 'cancel')
      return this.cancelOrder(intent as VerifiedIntent<CancelIntent>, context)
    return this.cancelAllOrders(intent as VerifiedIntent<CancelAllIntent>, context)
  }

  private placeOrder(intent: VerifiedIntent<OrderIntent>, context: BatchContext): void {
    const order = OrderState.of(intent, context.index, context.position)
    const market = this.markets.get(intent.market.symbol)
    const refuse = (reason: StableReasonCode) => {
      order.status = 'rejected'
      order.reason = reason
      if (!context.stranger) context.touch(order)
      this.receipt(context, intent, reason)
    }
    if (market === undefined) return refuse('unknown_market')
    const units = toOrderUnits(market.engine, intent.price.units, intent.quantity.units)
    if (!units.ok) return refuse(units.reason)
    const parameters: PlaceOrderParameters = {
      orderId: intent.id,
      market: market.spec.id,
      owner: intent.signer,
      side: intent.side,
      type: toOrderType(intent.type, intent.timeInForce),
      price: units.price,
      lots: units.lots,
    }
    const result = this.engine.place(parameters)
    if (!result.ok) return refuse(result.reason)
    context.touch(order)
    this.openOrders.set(order.orderId, order)
    this.absorb(result, market, context)
    this.receipt(context, intent)
  }

  private cancelOrder(intent: VerifiedIntent<CancelIntent>, context: BatchContext): void {
    const open = this.openOrders.get(intent.orderId)
    if (open === undefined || open.market !== intent.market.symbol) {
      return this.receipt(context, intent, 'unknown_order')
    }
    const cancel = { orderId: intent.orderId, owner: intent.signer }
    const result = this.engine.cancel(cancel)
    if (!result.ok) return this.receipt(context, intent, result.reason)
    this.absorb(result, this.markets.get(open.market) as ListedMarket, context)
    this.receipt(context, intent)
  }

  private cancelAllOrders(intent: VerifiedIntent<CancelAllIntent>, context: BatchContext): void {
    const market = this.markets.get(intent.market.symbol)
    if (market === undefined) return this.receipt(context, intent, 'unknown_market')
    const cancelAll = { market: market.spec.id, owner: intent.signer }
    const result = this.engine.cancelAll(cancelAll)
    if (!result.ok) return this.receipt(context, intent, result.reason)
    // Cancelling nothing is refused, so that it cannot open an account for a stranger.
    if (result.events.length === 0) return this.receipt(context, intent, 'no_open_orders')
    this.absorb(result, market, context)
    this.receipt(context, intent)
  }

  /** Folds an accepted operation's events and deltas into order records, trades and deltas. */
  private absorb(result: OperationResult, market: ListedMarket, context: BatchContext): void {
    const { lotBaseUnits, tickQuoteUnitsPerBaseToken } = market.engine
    for (const event of result.events) {
      if (event.type === 'accepted' || event.type === 'rejected') continue
      if (event.type === 'fill') {
        const quantity = BigInt(event.lots) * lotBaseUnits
        const maker = this.requireOrder(event.makerOrderId)
        const taker = this.requireOrder(event.takerOrderId)
        maker.filled += quantity
        maker.remaining -= quantity
        taker.filled += quantity
        context.touch(maker)
        context.touch(taker)
        const seq = this.tradeSeq(market.spec.id) + 1
        this.tradeSeqs.set(market.spec.id, seq)
        context.trades.push({
          market: market.spec.id,
          seq,
          price: BigInt(event.price) * tickQuoteUnitsPerBaseToken,
          quantity,
          takerSide: event.takerSide,
          makerOrderId: maker.orderId,
          takerOrderId: taker.orderId,
          maker: maker.owner,
          taker: taker.owner,
          index: context.index,
          time: context.time,
        })
        continue
      }
      const order = this.requireOrder(event.orderId)
      context.touch(order)
      if (event.type === 'rested') {
        order.remaining = BigInt(event.lots) * lotBaseUnits
        continue
      }
      order.status = event.type === 'filled' ? 'filled' : 'cancelled'
      if (event.type === 'cancelled') order.reason = event.reason
      order.remaining = 0n
      this.openOrders.delete(order.orderId)
    }
    for (const delta of result.deltas) {
      context.book.push({
        market: delta.market,
        seq: delta.seq,
        side: delta.side,
        price: BigInt(delta.price) * tickQuoteUnitsPerBaseToken,
        quantity: BigInt(delta.newTotalLots) * lotBaseUnits,
        index: context.index,
      })
    }
  }

  private requireOrder(orderId: string): OrderState {
    const order = this.openOrders.get(orderId)
    if (order === undefined) throw new Error(`engine reported unknown order ${orderId}`)
    return order
  }

  private receipt(context: BatchContext, intent: VerifiedIntent, reason?: StableReasonCode): void {
    const { id: intentId, action, signer, nonce } = intent
    const position = context.position
    const receipt: Receipt =
      reason === undefined
        ? { intentId, action, signer, nonce, status: 'applied', position }
        : { intentId, action, signer, nonce, status: 'rejected', reason, position }
    if (reason !== undefined && context.stranger) {
      this.ledger.releaseNonce(signer, nonce)
      context.droppedReceipts.push(receipt)
    } else {
      context.receipts.push(receipt)
    }
  }

  private skip(context: BatchContext, reason: SkipReason): void {
    context.skipped.push({ position: context.position, reason })
  }
}
