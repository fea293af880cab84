import { BookCheck, bookTopText, checkedLevels, type FalseBook } from './bookCheck.ts'
import { orderbookFromSnapshot } from './orderbookState.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'

/** How often the other replicas are asked for their books. */
const askEveryMs = 3_000
/** How long one ask may take; a slower replica is asked again next time. */
const askTimeoutMs = 2_500
/** False books remembered for the screen: the latest, one per replica and market. */
const falseBooksKept = 4

export interface BookCrossCheckParameters {
  readonly replicas: readonly ReplicaRef[]
  /** The registry's quorum: `replicas.length − quorum` replicas may lie. */
  readonly quorum: number
  readonly markets: readonly string[]
  /** The stream's replica served a false book: move the stream on. */
  readonly onFalseBook: (falseBook: FalseBook) => void
}

/**
 * Checks the streamed books against the other replicas' (`bookCheck.ts`): `streamed` records
 * the stream's books as they are published, and every `askEveryMs` each replica but the one they
 * came from is asked for each market's best levels, at most one round in flight. A false book is
 * reported once (`onFalseBook`, which moves the stream) and kept for the screen
 * (`getFalseBooks`).
 */
export class BookCrossCheck {
  readonly #check: BookCheck
  readonly #controller = new AbortController()
  #timer: ReturnType<typeof setInterval> | undefined
  #asking = false
  #falseBooks: readonly FalseBook[] = []
  /** The replica the streamed books came from, as last recorded. */
  #streamedBy: string | undefined
  /** The seq of each market's book last recorded: a publication without a delta costs nothing. */
  readonly #recordedSeq = new Map<string, number>()
  readonly #listeners = new Set<() => void>()

  constructor(private readonly parameters: BookCrossCheckParameters) {
    this.#check = new BookCheck(parameters.replicas.length - parameters.quorum)
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  readonly getFalseBooks = (): readonly FalseBook[] => this.#falseBooks

  start(): void {
    this.#timer ??= setInterval(() => this.#askRound(), askEveryMs)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#controller.abort()
  }

  /** The stream's book of `market`, as published, made from `replicaId`'s snapshot and deltas. */
  streamed(
    market: string,
    book: Parameters<typeof bookTopText>[0] & { readonly seq: number },
    replicaId: string,
  ): void {
    if (replicaId !== this.#streamedBy) this.#recordedSeq.clear()
    this.#streamedBy = replicaId
    if (this.#recordedSeq.get(market) === book.seq) return
    this.#recordedSeq.set(market, book.seq)
    const top = bookTopText(book)
    this.#judged(this.#check.streamed({ market, seq: book.seq, top }, replicaId))
  }

  #askRound(): void {
    const streamedBy = this.#streamedBy
    if (this.#asking || streamedBy === undefined) return
    this.#asking = true
    const asks = this.parameters.replicas
      .filter((replica) => replica.id !== streamedBy)
      .flatMap((replica) => this.parameters.markets.map((market) => this.#ask(replica, market)))
    Promise.allSettled(asks)
      .catch(() => undefined)
      .finally(() => {
        this.#asking = false
      })
  }

  async #ask(replica: ReplicaRef, market: string): Promise<void> {
    const signal = AbortSignal.any([this.#controller.signal, AbortSignal.timeout(askTimeoutMs)])
    const answer = await replicaApi.orderbook(replica, market, checkedLevels, signal)
    if (answer.market !== market) return
    const top = bookTopText(orderbookFromSnapshot(answer))
    this.#judged(this.#check.answered(replica.id, { market, seq: answer.seq, top }))
  }

  #judged(falseBook: FalseBook | undefined): void {
    if (falseBook === undefined) return
    this.#recordedSeq.clear()
    // The latest of each replica and market: a liar met again replaces its earlier entry.
    const others = this.#falseBooks.filter(
      (one) => one.replicaId !== falseBook.replicaId || one.market !== falseBook.market,
    )
    this.#falseBooks = [falseBook, ...others].slice(0, falseBooksKept)
    for (const listener of this.#listeners) listener()
    this.parameters.onFalseBook(falseBook)
  }
}
