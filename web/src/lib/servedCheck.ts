/*
 * What the live stream showed, checked against what the other replicas serve. Market data the
 * screen shows comes from one replica's stream, and a replica may lie. Some of it is the same on
 * every honest replica at a given number: a market's book at each update (`seq`), a market's
 * trade of each trade number. So the stream's values are kept by (market, number), and the other
 * replicas' answers too: when more replicas than may lie agree on another value at a number the
 * stream showed, the stream's replica lied. One replica that disagrees proves nothing: it may be
 * the liar. What the values are is the caller's (`marketDataCheck.ts`): equal values, equal texts.
 */

/** One value a replica served: its market, its number there, and its text. */
export interface ServedValue {
  readonly market: string
  readonly seq: number
  readonly text: string
}

/** The stream's replica served a value that more replicas than may lie contradict. */
export interface FalseValue {
  readonly replicaId: string
  readonly market: string
  readonly seq: number
  /** The replicas that agree with each other there, against it, by id. */
  readonly contradictedBy: readonly string[]
}

/** Values of the stream kept per market, by number: some seconds of a busy market. */
const streamedKeptDefault = 256
/**
 * Distinct values kept that the stream showed at one number. An honest replica serves one (a
 * page fetched again, a streamed trade also in a page), so a second is a lie; each is judged,
 * so a true value shown after a false one hides nothing.
 */
const textsPerNumber = 4

/**
 * The values the stream showed, of one replica (the one whose data made them: a value of
 * another replica starts the record afresh), the other replicas' answers, and the verdict on
 * them. Each record returns the false value it reveals, if any: an answer may come before the
 * stream reaches its number, or after. A verdict is given once: the record of the stream's values
 * starts afresh after it.
 */
export class ServedCheck {
  /** The replica whose values `#streamed` holds. */
  #streamedBy: string | undefined
  /** market → number → the distinct texts shown there, in the order recorded. */
  readonly #streamed = new Map<string, Map<number, readonly string[]>>()
  /** market → replica id → number → text, the last `answersKept` of each. */
  readonly #answers = new Map<string, Map<string, Map<number, string>>>()

  /**
   * @param mayLie how many replicas may lie (registry size − quorum): a contradiction counts once
   * `mayLie + 1` other replicas agree on it.
   * @param answersKept the values kept of each replica's answers per market.
   * @param streamedKept the values kept of the stream's per market.
   */
  constructor(
    private readonly mayLie: number,
    private readonly answersKept: number,
    private readonly streamedKept = streamedKeptDefault,
  ) {}

  /** A value the stream showed, made from `replicaId`'s data. */
  streamed(value: ServedValue, replicaId: string): FalseValue | undefined {
    if (replicaId !== this.#streamedBy) {
      this.#streamed.clear()
      this.#streamedBy = replicaId
    }
    let shown = this.#streamed.get(value.market)
    if (shown === undefined) this.#streamed.set(value.market, (shown = new Map()))
    const texts = shown.get(value.seq)?.filter((text) => text !== value.text) ?? []
    shown.delete(value.seq)
    shown.set(value.seq, [...texts, value.text].slice(-textsPerNumber))
    if (shown.size > this.streamedKept) shown.delete(shown.keys().next().value!)
    return this.#judge(value.market, value.seq)
  }

  /** Another replica's answer; the stream's own replica's prove nothing. */
  answered(replicaId: string, values: readonly ServedValue[]): FalseValue | undefined {
    let verdict: FalseValue | undefined
    for (const value of values) {
      let byReplica = this.#answers.get(value.market)
      if (byReplica === undefined) this.#answers.set(value.market, (byReplica = new Map()))
      keep(byReplica, replicaId, value, this.answersKept)
      verdict ??= this.#judge(value.market, value.seq)
    }
    return verdict
  }

  #judge(market: string, seq: number): FalseValue | undefined {
    const streamedBy = this.#streamedBy
    const texts = this.#streamed.get(market)?.get(seq)
    if (streamedBy === undefined || texts === undefined) return undefined
    for (const shown of texts) {
      const contradictedBy = this.#contradicting(market, seq, shown, streamedBy)
      if (contradictedBy === undefined) continue
      this.#streamed.clear()
      this.#streamedBy = undefined
      return { replicaId: streamedBy, market, seq, contradictedBy }
    }
    return undefined
  }

  /** More replicas than may lie that serve one other value than `shown` at `seq`, if any. */
  #contradicting(
    market: string,
    seq: number,
    shown: string,
    streamedBy: string,
  ): string[] | undefined {
    // The other replicas' values at this number, each with who served it.
    const servedBy = new Map<string, string[]>()
    for (const [replicaId, answers] of this.#answers.get(market) ?? []) {
      const text = answers.get(seq)
      if (replicaId === streamedBy || text === undefined || text === shown) continue
      servedBy.set(text, [...(servedBy.get(text) ?? []), replicaId])
    }
    return [...servedBy.values()].find((replicas) => replicas.length > this.mayLie)?.sort()
  }
}

/** Keeps `value` under `key`, at most `most` values there, the oldest recorded going first. */
function keep(
  into: Map<string, Map<number, string>>,
  key: string,
  value: ServedValue,
  most: number,
): void {
  let values = into.get(key)
  if (values === undefined) into.set(key, (values = new Map()))
  values.delete(value.seq)
  values.set(value.seq, value.text)
  if (values.size > most) values.delete(values.keys().next().value!)
}
