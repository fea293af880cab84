import { tradesPageMax, type Trade } from '../../../shared/api/index.ts'
import { bestFirst, orderbookFromSnapshot, type BookLevels } from './orderbookState.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'
import { ServedCheck, type FalseValue, type ServedValue } from './servedCheck.ts'

/*
 * The stream's books and trades checked against the other replicas' (`servedCheck.ts`). Balances
 * and open orders are proven against a root a quorum signed; a whole book is not (proving that
 * no better level exists would take a proof over every open order of the market), nor is the
 * trade tape. A market's book at each update number and each numbered trade are consensus state,
 * the same on every honest replica, so these are compared with the other replicas' instead.
 */

/** Book levels compared per side, and trades asked per market: what a trader sees first. */
export const checkedLevels = 20
const checkedTrades = 20

/** How often the other replicas are asked. */
const askEveryMs = 3_000
/** How long one ask may take; a slower replica is asked again next time. */
const askTimeoutMs = 2_500
/** False values remembered for the screen: the latest, one per replica, market and kind. */
const falseValuesKept = 4
/** Answers kept per replica and market: some rounds of books, a page of trades. */
const bookAnswersKept = 8
/** Fetched pages remembered, asked or waiting to be; more drop the oldest. */
const pageAsksKept = 16
/** Rounds a page is asked of a replica that has not answered it; then it is let go. */
const pageAskRounds = 3

/** A fetched page of trades, to ask the other replicas for: the same cursor and limit. */
interface PageAsk {
  readonly market: string
  /** One above the page's newest trade number: the others' page then starts where it does. */
  readonly cursor: number
  readonly limit: number
  /** The replicas that have not answered it yet, by id. */
  readonly owed: Set<string>
  rounds: number
}

/** The best `checkedLevels` levels of each side as one text: equal books, equal texts. */
export function bookTopText(book: { bids: BookLevels; asks: BookLevels }): string {
  const best = (side: 'bids' | 'asks') =>
    bestFirst([...book[side].keys()], side)
      .slice(0, checkedLevels)
      .map((price) => `${price}:${book[side].get(price)}`)
      .join(',')
  return `${best('bids')}|${best('asks')}`
}

/**
 * A trade as one text: what it was (orders, parties, price, size, batch). Not its time: a batch's
 * time comes from the finalization proof a replica read, which a faulty Zellular sequencer can
 * make differ between honest replicas (README, Batch time).
 */
export function tradeText(trade: Trade): string {
  const { price, quantity, takerSide, makerOrderId, takerOrderId, maker, taker, index } = trade
  return [price, quantity, takerSide, makerOrderId, takerOrderId, maker, taker, index].join()
}

/** The trades of `market` among `trades`, as compared: their numbers and texts, in order. */
function tradeValues(market: string, trades: readonly Trade[]): ServedValue[] {
  return trades
    .filter((trade) => trade.market === market)
    .map((trade) => ({ market, seq: trade.seq, text: tradeText(trade) }))
}

/** A false book or trade, as the screen names it. */
export interface FalseMarketData extends FalseValue {
  readonly kind: 'book' | 'trade'
}

export interface MarketDataCheckParameters {
  readonly replicas: readonly ReplicaRef[]
  /** The registry's quorum: `replicas.length − quorum` replicas may lie. */
  readonly quorum: number
  readonly markets: readonly string[]
  /** The stream's replica served a false value: move the stream on. */
  readonly onFalse: (value: FalseMarketData) => void
}

/**
 * Records the stream's books (`streamedBook`, as they are published), the trades it streamed
 * (`shownTrade`) and the pages of trades the screen fetched from its replica (`shownPage`: the
 * feed's, the chart's history), and every `askEveryMs` asks each replica but the one they came
 * from for the best levels and latest trades of each market that needs it (`#changed`), and
 * for the same pages, each once; at most one round in flight. A false value is reported once
 * (`onFalse`, which moves the stream) and kept for the screen (`getFalse`).
 */
export class MarketDataCheck {
  readonly #books: ServedCheck
  readonly #trades: ServedCheck
  /** The fetched pages' trades, against the same pages of the other replicas. */
  readonly #pages: ServedCheck
  /**
   * Fetched pages, by the replica that answered them, market, cursor and limit: remembered once
   * asked too, so a page fetched again (the same answer, refetched) is not asked again.
   */
  readonly #pageAsks = new Map<string, PageAsk>()
  readonly #controller = new AbortController()
  #timer: ReturnType<typeof setInterval> | undefined
  #asking = false
  #false: readonly FalseMarketData[] = []
  /** The replica the streamed values came from, as last recorded. */
  #streamedBy: string | undefined
  /** The seq of each market's book last recorded: a publication without a delta costs nothing. */
  readonly #bookSeq = new Map<string, number>()
  /**
   * Markets the stream showed something new of since their last ask: only those are asked
   * again (a quiet market's answers would not change), each at least once per stream source.
   */
  readonly #changed = new Set<string>()
  readonly #listeners = new Set<() => void>()

  constructor(private readonly parameters: MarketDataCheckParameters) {
    const mayLie = parameters.replicas.length - parameters.quorum
    this.#books = new ServedCheck(mayLie, bookAnswersKept)
    this.#trades = new ServedCheck(mayLie, checkedTrades * 2)
    this.#pages = new ServedCheck(mayLie, tradesPageMax, tradesPageMax)
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  readonly getFalse = (): readonly FalseMarketData[] => this.#false

  start(): void {
    this.#timer ??= setInterval(() => {
      this.askRound().catch(() => undefined)
    }, askEveryMs)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#controller.abort()
  }

  /** The stream's book of `market`, as published, made from `replicaId`'s snapshot and deltas. */
  streamedBook(
    market: string,
    book: Parameters<typeof bookTopText>[0] & { readonly seq: number },
    replicaId: string,
  ): void {
    this.#streamedFrom(replicaId)
    if (this.#bookSeq.get(market) === book.seq) return
    this.#bookSeq.set(market, book.seq)
    this.#changed.add(market)
    const value = { market, seq: book.seq, text: bookTopText(book) }
    this.#judged('book', this.#books.streamed(value, replicaId))
  }

  /** A trade the stream of `replicaId` brought. */
  shownTrade(trade: Trade, replicaId: string): void {
    this.#streamedFrom(replicaId)
    this.#changed.add(trade.market)
    const value = { market: trade.market, seq: trade.seq, text: tradeText(trade) }
    this.#judged('trade', this.#trades.streamed(value, replicaId))
  }

  /**
   * A page of `market`'s trades (newest first) that `replicaId` answered and the screen shows:
   * every trade of it is compared with the same page of each other replica, asked once. The
   * rounds' latest trades would reach none but the newest of a long page (the chart's history).
   */
  shownPage(market: string, trades: readonly Trade[], replicaId: string): void {
    this.#streamedFrom(replicaId)
    const page = tradeValues(market, trades)
    const newest = page[0]
    if (newest === undefined) return
    for (const value of [...page].reverse()) {
      this.#judged('trade', this.#pages.streamed(value, replicaId))
    }
    const ask = { market, cursor: newest.seq + 1, limit: page.length }
    const key = `${replicaId} ${market} ${ask.cursor} ${ask.limit}`
    if (this.#pageAsks.has(key)) return
    const others = this.parameters.replicas.filter((replica) => replica.id !== replicaId)
    const owed = new Set(others.map((replica) => replica.id))
    this.#pageAsks.set(key, { ...ask, owed, rounds: 0 })
    if (this.#pageAsks.size > pageAsksKept) {
      this.#pageAsks.delete(this.#pageAsks.keys().next().value!)
    }
  }

  #streamedFrom(replicaId: string): void {
    if (replicaId !== this.#streamedBy) this.#bookSeq.clear()
    this.#streamedBy = replicaId
  }

  /** One round of asks (what the timer runs); resolves when its answers are judged. */
  async askRound(): Promise<void> {
    const streamedBy = this.#streamedBy
    if (this.#asking || streamedBy === undefined) return
    this.#asking = true
    const markets = this.parameters.markets.filter((market) => this.#changed.has(market))
    this.#changed.clear()
    const asks = this.parameters.replicas
      .filter((replica) => replica.id !== streamedBy)
      .flatMap((replica) => markets.map((market) => this.#ask(replica, market)))
    await Promise.allSettled([...asks, ...this.#askPages()])
    this.#asking = false
  }

  /** Asks each replica that owes a fetched page its answer to it, a few rounds at most. */
  #askPages(): Promise<void>[] {
    const asks: Promise<void>[] = []
    for (const page of this.#pageAsks.values()) {
      if (page.owed.size === 0 || page.rounds >= pageAskRounds) continue
      page.rounds += 1
      for (const replica of this.parameters.replicas) {
        if (page.owed.has(replica.id)) asks.push(this.#askPage(replica, page))
      }
    }
    return asks
  }

  /** One ask's signal: the check's end, or `askTimeoutMs`. */
  #askSignal(): AbortSignal {
    return AbortSignal.any([this.#controller.signal, AbortSignal.timeout(askTimeoutMs)])
  }

  async #askPage(replica: ReplicaRef, page: PageAsk): Promise<void> {
    const { market, cursor, limit } = page
    const query = { market, limit, cursor: String(cursor) }
    const answer = await replicaApi.trades(replica, query, this.#askSignal())
    page.owed.delete(replica.id)
    this.#judged('trade', this.#pages.answered(replica.id, tradeValues(market, answer.trades)))
  }

  async #ask(replica: ReplicaRef, market: string): Promise<void> {
    const signal = this.#askSignal()
    const [book, trades] = await Promise.all([
      replicaApi.orderbook(replica, market, checkedLevels, signal),
      replicaApi.trades(replica, { market, limit: checkedTrades }, signal),
    ])
    // An answer of another update than the stream's last is asked again next round, whatever
    // the stream shows meanwhile: a quiet market must still be compared once at one update.
    if (book.seq !== this.#bookSeq.get(market)) this.#changed.add(market)
    if (book.market === market) {
      const text = bookTopText(orderbookFromSnapshot(book))
      this.#judged('book', this.#books.answered(replica.id, [{ market, seq: book.seq, text }]))
    }
    this.#judged('trade', this.#trades.answered(replica.id, tradeValues(market, trades.trades)))
  }

  #judged(kind: FalseMarketData['kind'], value: FalseValue | undefined): void {
    if (value === undefined) return
    this.#bookSeq.clear()
    const found = { ...value, kind }
    // The latest of each replica, market and kind: a liar met again replaces its earlier entry.
    const others = this.#false.filter(
      (one) =>
        one.replicaId !== found.replicaId || one.market !== found.market || one.kind !== kind,
    )
    this.#false = [found, ...others].slice(0, falseValuesKept)
    for (const listener of this.#listeners) listener()
    this.parameters.onFalse(found)
  }
}
