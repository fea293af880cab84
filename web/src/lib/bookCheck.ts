import type { BookLevels } from './orderbookState.ts'

/*
 * The live book comes from one replica's stream, and a replica may lie: a made-up level in its
 * snapshot, or in a delta, stays on the screen for as long as the stream lasts. Balances and
 * open orders are proven against a root a quorum signed; a whole book is not (proving that no
 * better level exists would take a proof over every open order of the market). What every honest
 * replica shares is the book at each market `seq`, which is consensus state: the same batches
 * make the same book. So the app asks the other replicas for their best levels now and then and
 * compares them with its streamed book at the same `seq`: when more replicas than may lie agree
 * on a book the stream did not show there, the stream's replica lied, and the stream moves on.
 * One replica that disagrees proves nothing: it may be the liar.
 */

/** Levels compared per side: what a trader sees and acts on. */
export const checkedLevels = 20

/** The best `checkedLevels` levels of each side as one text: equal books, equal texts. */
export function bookTopText(book: { bids: BookLevels; asks: BookLevels }): string {
  const best = (levels: BookLevels, descending: boolean) =>
    [...levels]
      .sort(([a], [b]) => (a === b ? 0 : a < b === descending ? 1 : -1))
      .slice(0, checkedLevels)
      .map(([price, quantity]) => `${price}:${quantity}`)
      .join(',')
  return `${best(book.bids, true)}|${best(book.asks, false)}`
}

/** A book one replica served: the market, its `seq` and its `bookTopText`. */
export interface ServedBook {
  readonly market: string
  readonly seq: number
  readonly top: string
}

/** The stream's replica served a book that more replicas than may lie contradict. */
export interface FalseBook {
  readonly replicaId: string
  readonly market: string
  readonly seq: number
  /** The replicas that agree with each other there, against it. */
  readonly contradictedBy: readonly string[]
}

/** Streamed books kept per market, by `seq`: some seconds of a busy market. */
const streamedKept = 256
/** Answers kept per replica and market. */
const answersKept = 8

/**
 * The books the stream showed, of one replica (the one whose snapshot and deltas made them: a
 * book of another replica starts the record afresh), and the other replicas' answers, and the
 * verdict on them. Each record returns the false book it reveals, if any: an answer may come
 * before the stream reaches its seq, or after. A verdict is given once: the record of the
 * stream's books starts afresh after it.
 */
export class BookCheck {
  /** The replica whose books `#streamed` holds. */
  #streamedBy: string | undefined
  /** market → seq → top, in the order recorded. */
  readonly #streamed = new Map<string, Map<number, string>>()
  /** market → replica id → its last answers. */
  readonly #answers = new Map<string, Map<string, ServedBook[]>>()

  /**
   * @param mayLie how many replicas may lie (registry size − quorum): a contradiction counts once
   * `mayLie + 1` other replicas agree on it.
   */
  constructor(private readonly mayLie: number) {}

  /** The stream's book of a market at the end of a batch, made from `replicaId`'s data. */
  streamed(book: ServedBook, replicaId: string): FalseBook | undefined {
    if (replicaId !== this.#streamedBy) {
      this.#streamed.clear()
      this.#streamedBy = replicaId
    }
    let books = this.#streamed.get(book.market)
    if (books === undefined) this.#streamed.set(book.market, (books = new Map()))
    books.set(book.seq, book.top)
    if (books.size > streamedKept) books.delete(books.keys().next().value!)
    return this.#judge(book.market, book.seq)
  }

  /** Another replica's answer; the stream's own replica's prove nothing. */
  answered(replicaId: string, book: ServedBook): FalseBook | undefined {
    let byReplica = this.#answers.get(book.market)
    if (byReplica === undefined) this.#answers.set(book.market, (byReplica = new Map()))
    const kept = byReplica.get(replicaId) ?? []
    kept.push(book)
    if (kept.length > answersKept) kept.shift()
    byReplica.set(replicaId, kept)
    return this.#judge(book.market, book.seq)
  }

  #judge(market: string, seq: number): FalseBook | undefined {
    const streamedBy = this.#streamedBy
    const shown = this.#streamed.get(market)?.get(seq)
    if (streamedBy === undefined || shown === undefined) return undefined
    // The other replicas' books at this seq, each with who served it.
    const servedBy = new Map<string, string[]>()
    for (const [replicaId, answers] of this.#answers.get(market) ?? []) {
      if (replicaId === streamedBy) continue
      const answer = answers.find((one) => one.seq === seq)
      if (answer === undefined || answer.top === shown) continue
      servedBy.set(answer.top, [...(servedBy.get(answer.top) ?? []), replicaId])
    }
    for (const replicas of servedBy.values()) {
      if (replicas.length > this.mayLie) {
        this.#streamed.clear()
        this.#streamedBy = undefined
        return { replicaId: streamedBy, market, seq, contradictedBy: replicas.sort() }
      }
    }
    return undefined
  }
}
