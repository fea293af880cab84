import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import {
  errorResponseSchema,
  ordersResponseSchema,
  submitIntentResponseSchema,
  tradesResponseSchema,
  txResponseSchema,
  type MarketInfo,
  type ReplicaRegistry,
} from '../../shared/api/index.ts'
import {
  buildIntentText,
  createTokenRegistry,
  formatAmount,
  nextNonce,
  parseAmount,
  parseUnsignedIntent,
  toWireIntent,
  type TokenRegistry,
} from '../../shared/intents/index.ts'
import { createRandom, driftPrice, type DriftConfig, type Random } from './driftPrice.ts'
import { planQuotes, toQuoteMarket, type QuoteConfig, type QuoteMarket } from './planQuotes.ts'
import { sleep } from '../../shared/wait/index.ts'

/*
 * The demo market maker: an ordinary client of the replicas' HTTP API, so a newcomer's first
 * screen shows a live market. Two accounts funded at genesis: the maker rests post-only quotes
 * on both sides of each market around a drifting price (`driftPrice.ts`, `planQuotes.ts`); the
 * taker now and then sends a small market order into them, so trades print and candles form (a
 * market maker trading with itself would only cancel its own order: self-trade prevention).
 * Each intent is signed like a wallet signs (EIP-191 over the intent text). Bounded: at most
 * 2 × levels open orders and `actionsMax` intents per market per round, every submission
 * awaited, and a round that fails backs off (doubling up to 30 s) on the next replica.
 */

/** Options of `MarketMaker`. */
export interface MarketMakerOptions {
  /** The replica registry (app, network, replica URLs, tokens, markets). */
  readonly registry: ReplicaRegistry
  readonly makerKey: `0x${string}`
  readonly takerKey: `0x${string}`
  /** Seed of the price paths and of the taker's choices. */
  readonly seed: number
  /** Pause between rounds (default 2,000 ms). */
  readonly intervalMs?: number
  /** Where each market's price starts and is pulled back to, token units by base symbol. */
  readonly referencePrices?: Readonly<Record<string, string>>
  /** Quote ladder (default 5 levels, 4 bps half spread, 6 bps apart). */
  readonly quote?: Partial<Omit<QuoteConfig, 'levelNotional'>>
  /** Value of the innermost level in quote token units (default 1,500). */
  readonly levelNotional?: string
  readonly drift?: DriftConfig
  /** Chance that the taker trades in a market in a round (default 0.4). */
  readonly takeProbability?: number
  readonly log?: (line: string) => void
  readonly fetch?: typeof fetch
  readonly now?: () => number
}

/** What one market's part of a round did. */
export interface MarketRound {
  readonly market: string
  readonly mid: bigint
  readonly cancelled: number
  readonly placed: number
  readonly took: boolean
  /** Submissions a replica refused (e.g. a cancel of an order that just filled). */
  readonly refused: number
}

const defaultReferencePrices: Readonly<Record<string, string>> = {
  ETH: '2000',
  BTC: '60000',
}

const defaultQuote: Omit<QuoteConfig, 'levelNotional'> = {
  levels: 5,
  halfSpreadBps: 4,
  levelStepBps: 6,
  actionsMax: 6,
}

const requestTimeoutMs = 5_000
const settleTimeoutMs = 15_000
const backoffMaxMs = 30_000

interface MarketState {
  readonly info: MarketInfo
  readonly grid: QuoteMarket
  readonly anchor: bigint
  readonly levelNotional: bigint
  mid: bigint | undefined
}

interface Signer {
  readonly account: PrivateKeyAccount
  lastNonce: bigint | undefined
}

/** A submission a replica took: its id and the replica to ask about it. */
interface Taken {
  readonly intentId: string
  readonly replicaUrl: string
}

export class MarketMaker {
  private readonly tokens: TokenRegistry
  private readonly markets: MarketState[]
  private readonly maker: Signer
  private readonly taker: Signer
  private readonly random: Random
  private readonly quote: Omit<QuoteConfig, 'levelNotional'>
  private readonly drift: DriftConfig
  private readonly fetch: typeof fetch
  private readonly now: () => number
  private readonly log: (line: string) => void
  private replicaPosition = 0

  constructor(private readonly options: MarketMakerOptions) {
    this.tokens = createTokenRegistry(options.registry.tokens)
    this.maker = { account: privateKeyToAccount(options.makerKey), lastNonce: undefined }
    this.taker = { account: privateKeyToAccount(options.takerKey), lastNonce: undefined }
    this.random = createRandom(options.seed)
    this.quote = { ...defaultQuote, ...options.quote }
    this.drift = options.drift ?? { stepBps: 8, reversionBps: 40 }
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.now = options.now ?? (() => Date.now())
    this.log = options.log ?? (() => {})
    const references = options.referencePrices ?? defaultReferencePrices
    this.markets = options.registry.markets.flatMap((info) => {
      const reference = references[info.base]
      const anchor = reference === undefined ? undefined : units(reference, info.quoteDecimals)
      const levelNotional = units(options.levelNotional ?? '1500', info.quoteDecimals)
      if (anchor === undefined || levelNotional === undefined) {
        this.log(`${info.id}: no reference price, not quoted`)
        return []
      }
      const grid = toQuoteMarket(info)
      return [{ info, grid, anchor, levelNotional, mid: undefined }]
    })
  }

  /** The maker's and the taker's addresses, lower-case. */
  get addresses(): { readonly maker: string; readonly taker: string } {
    return {
      maker: this.maker.account.address.toLowerCase(),
      taker: this.taker.account.address.toLowerCase(),
    }
  }

  /**
   * Runs rounds until `signal` aborts, then cancels the maker's quotes (best effort) so that a
   * stopped demo leaves no stale book. Never rejects: every failure is logged and backed off.
   */
  async run(signal: AbortSignal): Promise<void> {
    const intervalMs = this.options.intervalMs ?? 2_000
    let failures = 0
    while (!signal.aborted) {
      try {
        const rounds = await this.round()
        if (failures > 0) this.log('recovered')
        failures = 0
        for (const done of rounds) {
          if (done.cancelled + done.placed > 0 || done.took || done.refused > 0) {
            this.log(describeRound(done, this.marketInfo(done.market)))
          }
        }
      } catch (error) {
        failures += 1
        this.replicaPosition += 1
        this.log(`round failed (${failures} in a row): ${messageOf(error)}`)
      }
      const pauseMs =
        failures === 0 ? intervalMs : Math.min(backoffMaxMs, intervalMs * 2 ** failures)
      await sleep(pauseMs, signal)
    }
    await this.withdrawQuotes().catch((error: unknown) => {
      this.log(`withdrawing quotes failed: ${messageOf(error)}`)
    })
  }

  /** One round over every quoted market; waits until the replicas applied what it sent. */
  async round(): Promise<MarketRound[]> {
    const rounds: MarketRound[] = []
    const taken: Taken[] = []
    for (const market of this.markets) {
      rounds.push(await this.quoteMarket(market, taken))
    }
    await this.settle(taken)
    return rounds
  }

  private async quoteMarket(market: MarketState, taken: Taken[]): Promise<MarketRound> {
    const id = market.info.id
    market.mid =
      market.mid === undefined
        ? await this.startingPrice(market)
        : driftPrice(market.mid, market.anchor, this.drift, this.random)
    const mid = market.mid
    const open = await this.openQuotes(id)
    const plan = planQuotes({
      market: market.grid,
      mid,
      open,
      config: { ...this.quote, levelNotional: market.levelNotional },
    })
    let refused = 0
    const count = (result: Taken | undefined) => {
      if (result === undefined) refused += 1
      else taken.push(result)
    }
    for (const orderId of plan.cancel) {
      count(await this.submit(this.maker, '/cancel', { action: 'cancel', market: id, orderId }))
    }
    const { baseDecimals, quoteDecimals } = market.info
    for (const quote of plan.place) {
      count(
        await this.submit(this.maker, '/order', {
          action: 'order',
          market: id,
          side: quote.side,
          type: 'limit',
          price: formatAmount(quote.price, quoteDecimals),
          quantity: formatAmount(quote.quantity, baseDecimals),
          timeInForce: 'POST_ONLY',
        }),
      )
    }
    const took = this.random() < (this.options.takeProbability ?? 0.4)
    if (took) count(await this.take(market, mid))
    return {
      market: id,
      mid,
      cancelled: plan.cancel.length,
      placed: plan.place.length,
      took,
      refused,
    }
  }

  /**
   * A small market order by the taker: a quarter of a level's value, either side, accepting
   * prices up to 2 % away from the mid.
   */
  private async take(market: MarketState, mid: bigint): Promise<Taken | undefined> {
    const { grid, info } = market
    const side = this.random() < 0.5 ? 'buy' : 'sell'
    const whole = 10n ** BigInt(grid.baseDecimals)
    const size = (market.levelNotional * whole) / (4n * mid)
    const lots = size - (size % grid.lotBaseUnits)
    const quantity = lots < grid.minQuantityBaseUnits ? grid.minQuantityBaseUnits : lots
    const limit = side === 'buy' ? (mid * 102n) / 100n : (mid * 98n) / 100n
    const onTick =
      limit -
      (limit % grid.tickQuoteUnitsPerBaseToken) +
      (side === 'buy' ? grid.tickQuoteUnitsPerBaseToken : 0n)
    const price =
      onTick > grid.maxPriceQuoteUnitsPerBaseToken ? grid.maxPriceQuoteUnitsPerBaseToken : onTick
    return this.submit(this.taker, '/order', {
      action: 'order',
      market: info.id,
      side,
      type: 'market',
      price: formatAmount(price, info.quoteDecimals),
      quantity: formatAmount(quantity, info.baseDecimals),
      timeInForce: 'IOC',
    })
  }

  /** The last trade's price when it is within a factor 2 of the reference, else the reference. */
  private async startingPrice(market: MarketState): Promise<bigint> {
    const query = new URLSearchParams({ market: market.info.id, limit: '1' })
    const page = tradesResponseSchema.parse(await this.getJson(`/trades?${query}`))
    const last = page.trades[0] === undefined ? undefined : BigInt(page.trades[0].price)
    const near = last !== undefined && last * 2n > market.anchor && last < market.anchor * 2n
    return near ? last : market.anchor
  }

  /** The maker's open orders in `market` (at most 100: twice the most it keeps, and more). */
  private async openQuotes(market: string) {
    const query = new URLSearchParams({ address: this.addresses.maker, market, limit: '100' })
    const page = ordersResponseSchema.parse(await this.getJson(`/orders?${query}`))
    return page.orders
      .filter((order) => order.status === 'open')
      .map((order) => ({ orderId: order.orderId, side: order.side, price: BigInt(order.price) }))
  }

  /**
   * Signs and posts one intent. Undefined when the replica refused it (4xx: the state moved
   * under the plan, e.g. the quote just filled); throws when no answer came or the replica
   * failed (5xx), which fails the round.
   */
  private async submit(
    signer: Signer,
    route: string,
    fields: Record<string, string>,
  ): Promise<Taken | undefined> {
    signer.lastNonce = nextNonce(this.now(), signer.lastNonce)
    const parsed = parseUnsignedIntent(
      {
        ...fields,
        signer: signer.account.address.toLowerCase(),
        nonce: signer.lastNonce.toString(),
        app: this.options.registry.app,
        network: this.options.registry.network,
        version: 1,
      },
      this.tokens,
    )
    if (!parsed.ok) throw new Error(`intent refused locally: ${parsed.reason}`)
    const signature = await signer.account.signMessage({ message: buildIntentText(parsed.value) })
    const replicaUrl = this.replicaUrl()
    const response = await this.fetch(`${replicaUrl}${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(toWireIntent({ intent: parsed.value, signature })),
      signal: AbortSignal.timeout(requestTimeoutMs),
    })
    const body: unknown = await response.json()
    if (response.status === 202) {
      return { intentId: submitIntentResponseSchema.parse(body).intentId, replicaUrl }
    }
    const code = errorResponseSchema.safeParse(body).data?.error.code ?? `HTTP ${response.status}`
    if (response.status >= 500 || response.status === 429) {
      throw new Error(`${route} answered ${code}`)
    }
    this.log(`${fields.action} ${fields.market} refused: ${code}`)
    return undefined
  }

  /** Waits until every taken intent is applied or rejected, polling the replica that took it. */
  private async settle(taken: readonly Taken[]): Promise<void> {
    const deadline = this.now() + settleTimeoutMs
    let waiting = [...taken]
    while (waiting.length > 0) {
      const still: Taken[] = []
      for (const submission of waiting) {
        const url = `${submission.replicaUrl}/tx/${submission.intentId}`
        const response = await this.fetch(url, { signal: AbortSignal.timeout(requestTimeoutMs) })
        const body: unknown = await response.json()
        const pending = !response.ok || txResponseSchema.parse(body).status === 'pending'
        if (pending) still.push(submission)
      }
      waiting = still
      if (waiting.length === 0) return
      if (this.now() > deadline) throw new Error(`${waiting.length} intents not applied in time`)
      await sleep(250)
    }
  }

  /** Cancels the maker's orders in every market it quotes (stopping). */
  private async withdrawQuotes(): Promise<void> {
    for (const market of this.markets) {
      const open = await this.openQuotes(market.info.id)
      if (open.length === 0) continue
      await this.submit(this.maker, '/cancel', { action: 'cancelAll', market: market.info.id })
    }
    this.log('quotes withdrawn')
  }

  private async getJson(path: string): Promise<unknown> {
    const response = await this.fetch(`${this.replicaUrl()}${path}`, {
      signal: AbortSignal.timeout(requestTimeoutMs),
    })
    if (!response.ok) throw new Error(`GET ${path.split('?')[0]} answered ${response.status}`)
    return response.json()
  }

  private replicaUrl(): string {
    const replicas = this.options.registry.replicas
    return replicas[this.replicaPosition % replicas.length]!.url
  }

  private marketInfo(id: string): MarketInfo {
    return this.markets.find((market) => market.info.id === id)!.info
  }
}

function describeRound(round: MarketRound, info: MarketInfo): string {
  const parts = [
    `${round.market} mid ${formatAmount(round.mid, info.quoteDecimals)}`,
    `placed ${round.placed}`,
    `cancelled ${round.cancelled}`,
  ]
  if (round.took) parts.push('took')
  if (round.refused > 0) parts.push(`${round.refused} refused`)
  return parts.join(', ')
}

function units(text: string, decimals: number): bigint | undefined {
  const parsed = parseAmount(text, decimals)
  return parsed.ok ? parsed.value : undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
