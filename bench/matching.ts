/**
 * Matching benchmark: our engine (`shared/orderbook`) against nodejs-order-book on the same seeded
 * stream, in one process.
 *
 *   npm run bench:matching                    # 1,000,000 operations, 3 rounds
 *   npm run bench:matching -- --ops 20000     # smoke run
 *
 * Options: `--ops N`, `--batch B` (default 1000; 0 = build the whole stream before timing),
 * `--rounds R`, `--warmup N`, `--seed S`, `--levels L` (deep-book case, default 100000; 0 skips
 * it), `--out DIR` (where `matching-<ops>.txt` is appended; default bench/results), `--no-save`.
 *
 * The stream: 70 % passive limit orders (never crossing: bids 1–50 ticks under a fixed mid, asks
 * 1–50 over it), 20 % cancels of a random live order, 10 % aggressive IOC orders (half of them
 * `market` orders with a worst price) that may sweep the whole band. Liveness for the cancels is
 * decided while generating, by simulating the stream. Each run gets freshly built id and owner
 * strings, so no engine benefits from string hashes cached by the one before it.
 *
 * Method: warm-up of both engines, then R rounds in rotating order (ours, ours with escrow, the
 * reference). The stream is fed in batches of B operations, each built (untimed) right before it
 * is applied, the way a replica parses a sequenced batch and then applies it; only applying is
 * timed. Throughput runs use no per-op timer (one timer pair per batch); latency runs are separate
 * runs timing each operation with `process.hrtime.bigint()` (the timer's own cost is measured and
 * included in the figures). After each timed operation the latency run records its result
 * (untimed), which checks that both engines traded the same lots, hit every cancel and ended with
 * the same depth.
 *
 * The deep-book case (after the stream): L limit bids on L distinct prices placed in the worst
 * order, each one tick below the last, so that every order opens a new worst level (what a
 * restart replaying such a book does too); then they are cancelled worst level first, and the
 * same bids are placed in the other order, each a new best level. Each phase is timed as a whole,
 * R rounds, median reported; ids are fresh strings built untimed.
 *
 * NOTE: the SUMMARY block and the JSON line are parsed by `bench/matching.test.ts`.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { OrderBook, SelfTradePreventionMode, Side, type LimitOrderOptions } from 'nodejs-order-book'
import {
  createMatchingEngine,
  ethUsdt,
  type CancelOrderParameters,
  type DepthLevel,
  type MatchingEngine,
  type OperationResult,
  type OrderType,
  type PlaceOrderParameters,
} from '../shared/orderbook/index.ts'
import { createInMemoryEscrow } from '../shared/orderbook/testing.ts'
import { environmentConfig, percentile } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

type Options = {
  ops: number
  /** Operations built (untimed) and then applied per batch; 0 builds the whole stream first. */
  batch: number
  rounds: number
  warmup: number
  seed: number
  /** Bids (and distinct price levels) in the deep-book case; 0 skips it. */
  levels: number
  out: string
  save: boolean
}

/** Kinds of operation in the stream. */
const passive = 0
const cancel = 1
const aggressive = 2
const kindNames = ['passive', 'cancel', 'aggressive'] as const

/** The stream without strings: ids and owners are indices, materialized per run. */
type Skeleton = {
  kind: Uint8Array
  /** Order index placed (passive, aggressive) or cancelled (cancel). */
  order: Uint32Array
  owner: Uint16Array
  side: Uint8Array
  price: Float64Array
  lots: Float64Array
  /** Aggressive orders: 1 for a `market` order, 0 for `ioc`. */
  market: Uint8Array
}

const mid = 100_000
const band = 50
const owners = 1_000
/** Aggressive orders are larger while the book holds more than this many orders, smaller below. */
const targetOpenOrders = 2_000
const twoTo32 = 4294967296

function parseOptions(argv: readonly string[]): Options {
  const args = new BenchArguments(argv)
  const value = (name: string, fallback: number) => args.number(name, fallback, { integer: true }) // decimal or 0x hex
  const ops = value('ops', 1_000_000)
  const options = {
    ops,
    batch: value('batch', 1_000),
    rounds: Math.max(1, value('rounds', 3)),
    warmup: value('warmup', Math.min(ops, 200_000)),
    seed: value('seed', 0xa5a5a5a5),
    levels: value('levels', 100_000),
    out: args.text('out') ?? join(import.meta.dirname, 'results'),
    save: !args.flag('no-save'),
  }
  args.finish()
  return options
}

/** sfc32, a small fast 32-bit PRNG; the seed fixes the whole stream. */
function createRandom(seed: number): (bound: number) => number {
  let a = 0x9e3779b9
  let b = 0x243f6a88
  let c = 0xb7e15162
  let d = seed >>> 0
  const next = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 16; i++) next()
  return (bound) => Math.floor((next() / twoTo32) * bound)
}

/**
 * Builds the stream. Cancels must target live orders, so the stream is simulated while it is
 * generated (with our engine, escrow off); the latency runs confirm the reference agrees.
 */
export function generate(count: number, seed: number): Skeleton {
  const random = createRandom(seed)
  const s: Skeleton = {
    kind: new Uint8Array(count),
    order: new Uint32Array(count),
    owner: new Uint16Array(count),
    side: new Uint8Array(count),
    price: new Float64Array(count),
    lots: new Float64Array(count),
    market: new Uint8Array(count),
  }
  const engine = createMatchingEngine({ markets: [ethUsdt], escrow: null })
  const ownerOfOrder: number[] = []
  const live: number[] = []
  const slot = new Map<string, number>()
  const forget = (id: string) => {
    const at = slot.get(id) as number
    const last = live.pop() as number
    if (at < live.length) {
      live[at] = last
      slot.set(`${last}`, at)
    }
    slot.delete(id)
  }
  let orders = 0
  for (let i = 0; i < count; i++) {
    const roll = random(100)
    const kind = roll < 70 || live.length === 0 ? passive : roll < 90 ? cancel : aggressive
    s.kind[i] = kind
    if (kind === cancel) {
      const order = live[random(live.length)] as number
      s.order[i] = order
      s.owner[i] = ownerOfOrder[order] as number
      engine.cancel({ orderId: `${order}`, owner: `${s.owner[i]}` })
      forget(`${order}`)
      continue
    }
    const side = random(2)
    const order = orders++
    s.order[i] = order
    s.owner[i] = random(owners)
    s.side[i] = side
    if (kind === passive) {
      s.price[i] = side === 0 ? mid - 1 - random(band) : mid + 1 + random(band)
      s.lots[i] = 10 + random(100)
    } else {
      s.price[i] = side === 0 ? mid + band : mid - band
      s.lots[i] = 10 + random(live.length > targetOpenOrders ? 1_000 : 200)
      s.market[i] = random(2)
    }
    ownerOfOrder[order] = s.owner[i] as number
    const result = engine.place({
      orderId: `${order}`,
      market: ethUsdt.id,
      owner: `${s.owner[i]}`,
      side: side === 0 ? 'buy' : 'sell',
      type: kind === passive ? 'limit' : 'ioc',
      price: s.price[i] as number,
      lots: s.lots[i] as number,
    })
    for (const event of result.events) {
      if (event.type === 'rested') {
        slot.set(event.orderId, live.length)
        live.push(order)
      } else if (event.type === 'filled' || event.type === 'cancelled') {
        if (event.orderId !== `${order}`) forget(event.orderId)
      }
    }
  }
  return s
}

/** Deterministic 32-bit mix (murmur3 finalizer). */
function mix(value: number): number {
  let h = value | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const hexDigits = '0123456789abcdef'
const hexBuffer = Buffer.alloc(2 + 8 * 8)

/**
 * A fresh `0x` + `words × 8` hex string for `index`: a new flat string on every call, as a JSON
 * parser would produce (concatenation would make ropes that a Map has to flatten first).
 */
function hexOf(index: number, salt: number, words: number): string {
  hexBuffer[0] = 0x30
  hexBuffer[1] = 0x78
  for (let j = 0; j < words; j++) {
    const word = mix(index * 16 + j + salt)
    for (let k = 0; k < 8; k++) {
      hexBuffer[2 + j * 8 + k] = hexDigits.charCodeAt((word >>> (28 - 4 * k)) & 15)
    }
  }
  return hexBuffer.toString('latin1', 0, 2 + words * 8)
}

type OurOp =
  | { kind: typeof passive | typeof aggressive; place: PlaceOrderParameters }
  | { kind: typeof cancel; cancel: CancelOrderParameters }

type ReferenceOp =
  | { kind: typeof passive | typeof aggressive; limit: LimitOrderOptions }
  | { kind: typeof cancel; id: string }

/**
 * Our engine's operations `from`..`to` with new strings. Order ids look like keccak hashes (66
 * chars); owners are 42-char addresses.
 */
function materializeOurs(s: Skeleton, ownerIds: string[], from: number, to: number): OurOp[] {
  const ops: OurOp[] = new Array(to - from)
  for (let i = from; i < to; i++) {
    const kind = s.kind[i] as number
    const orderId = hexOf(s.order[i] as number, 0x0d1e, 8)
    const owner = ownerIds[s.owner[i] as number] as string
    if (kind === cancel) {
      ops[i - from] = { kind: cancel, cancel: { orderId, owner } }
      continue
    }
    const type: OrderType = kind === passive ? 'limit' : s.market[i] === 1 ? 'market' : 'ioc'
    ops[i - from] = {
      kind: kind as typeof passive,
      place: {
        orderId,
        market: ethUsdt.id,
        owner,
        side: s.side[i] === 0 ? 'buy' : 'sell',
        type,
        price: s.price[i] as number,
        lots: s.lots[i] as number,
      },
    }
  }
  return ops
}

/** The same operations for nodejs-order-book: IOC limits, self-trade prevention EXPIRE_MAKER. */
function materializeReference(
  s: Skeleton,
  ownerIds: string[],
  from: number,
  to: number,
): ReferenceOp[] {
  const ops: ReferenceOp[] = new Array(to - from)
  for (let i = from; i < to; i++) {
    const kind = s.kind[i] as number
    const id = hexOf(s.order[i] as number, 0x0d1e, 8)
    if (kind === cancel) {
      ops[i - from] = { kind: cancel, id }
      continue
    }
    const limit: LimitOrderOptions = {
      id,
      side: s.side[i] === 0 ? Side.BUY : Side.SELL,
      size: s.lots[i] as number,
      price: s.price[i] as number,
      accountId: ownerIds[s.owner[i] as number] as string,
      stpMode: SelfTradePreventionMode.EXPIRE_MAKER,
    }
    if (kind === aggressive) limit.timeInForce = 'IOC' as LimitOrderOptions['timeInForce']
    ops[i - from] = { kind: kind as typeof passive, limit }
  }
  return ops
}

type Variant = 'ours' | 'oursEscrow' | 'reference'
const variantNames: Record<Variant, string> = {
  ours: 'engine (no escrow)',
  oursEscrow: 'engine + in-memory escrow',
  reference: 'nodejs-order-book 10.1.1',
}

/**
 * A fresh engine for one variant. `load` builds operations `from`..`to` (untimed), `step(k)` runs
 * the k-th loaded one and returns its result; `observe(k, result)` records it (untimed, latency
 * runs only) and `verify()` summarises what the engine did, for the cross-check.
 */
type Prepared = {
  count: number
  load: (from: number, to: number) => void
  step: (k: number) => unknown
  observe: (k: number, result: unknown) => void
  verify: () => Verification
  engine?: MatchingEngine
}

/** What an engine did over the stream, from a latency run. */
type Verification = {
  tradedLots: number
  cancelHits: number
  /** Final depth as `[[asks], [bids]]` of `[price, lots]`, best first. */
  depth: string
  tradeLogHash?: string
  bookHash?: string
  fills?: number
  selfTradeCancels?: number
  noLiquidity?: number
  openOrders?: number
  levels?: number
}

const ownerIdsOf = () => Array.from({ length: owners }, (_, i) => hexOf(i, 0x51ed, 5))

export function prepare(variant: Variant, skeleton: Skeleton): Prepared {
  return variant === 'reference'
    ? prepareReference(skeleton)
    : prepareOurs(skeleton, variant === 'oursEscrow')
}

function prepareReference(skeleton: Skeleton): Prepared {
  const ownerIds = ownerIdsOf()
  const book = new OrderBook()
  let ops: ReferenceOp[] = []
  const v = { tradedLots: 0, cancelHits: 0 }
  return {
    count: skeleton.kind.length,
    load: (from, to) => {
      ops = materializeReference(skeleton, ownerIds, from, to)
    },
    step: (k) => {
      const op = ops[k] as ReferenceOp
      return op.kind === cancel ? book.cancel(op.id) : book.limit(op.limit)
    },
    observe: (k, result) => {
      const op = ops[k] as ReferenceOp
      if (op.kind === cancel) {
        if (result !== undefined) v.cancelHits += 1
        return
      }
      const processed = result as ReturnType<OrderBook['limit']>
      if (processed.err !== null) throw new Error(`reference rejected: ${processed.err.message}`)
      v.tradedLots += op.limit.size - processed.quantityLeft
    },
    verify: () => ({ ...v, depth: JSON.stringify(book.depth()) }),
  }
}

function prepareOurs(skeleton: Skeleton, withEscrow: boolean): Prepared {
  const ownerIds = ownerIdsOf()
  const escrow = withEscrow ? fundedEscrow() : null
  const engine = createMatchingEngine({ markets: [ethUsdt], escrow })
  let ops: OurOp[] = []
  const v = { tradedLots: 0, cancelHits: 0, fills: 0, selfTradeCancels: 0, noLiquidity: 0 }
  return {
    count: skeleton.kind.length,
    engine,
    load: (from, to) => {
      ops = materializeOurs(skeleton, ownerIds, from, to)
    },
    step: (k) => {
      const op = ops[k] as OurOp
      return op.kind === cancel ? engine.cancel(op.cancel) : engine.place(op.place)
    },
    observe: (k, value) => {
      const result = value as OperationResult
      if ((ops[k] as OurOp).kind === cancel && result.ok) v.cancelHits += 1
      if (!result.ok && result.reason === 'no_liquidity') v.noLiquidity += 1
      for (const event of result.events) {
        if (event.type === 'fill') {
          v.tradedLots += event.lots
          v.fills += 1
        } else if (event.type === 'cancelled' && event.reason === 'self_trade_prevention') {
          v.selfTradeCancels += 1
        }
      }
    },
    verify: () => {
      const depth = engine.depth(ethUsdt.id, Number.MAX_SAFE_INTEGER)
      const supply = BigInt(owners) * 10n ** 40n
      const tokens = [ethUsdt.base, ethUsdt.quote]
      if (escrow !== null && tokens.some((token) => escrow.totalSupply(token) !== supply)) {
        throw new Error('the escrow run did not conserve supply')
      }
      const side = (levels: DepthLevel[]) => levels.map((level) => [level.price, level.lots])
      return {
        ...v,
        depth: JSON.stringify([side(depth.asks), side(depth.bids)]),
        tradeLogHash: engine.tradeLogHash(),
        bookHash: engine.bookHash(),
        openOrders: engine.openOrderCount,
        levels: depth.bids.length + depth.asks.length,
      }
    },
  }
}

function fundedEscrow() {
  const escrow = createInMemoryEscrow()
  for (let i = 0; i < owners; i++) {
    const owner = hexOf(i, 0x51ed, 5)
    escrow.deposit(owner, ethUsdt.base, 10n ** 40n)
    escrow.deposit(owner, ethUsdt.quote, 10n ** 40n)
  }
  return escrow
}

/**
 * Times the stream batch by batch (each batch built untimed just before it runs, as a replica
 * applies a parsed batch), no per-op timer. `batch` 0 builds the whole stream first. Returns
 * operations per second.
 */
export function runThroughput(prepared: Prepared, batch: number): Throughput {
  // The results are dropped; the latency runs check them.
  const { count, load, step } = prepared
  const size = batch > 0 ? batch : count
  let elapsed = 0n
  let cpuMicros = 0
  for (let from = 0; from < count; from += size) {
    const to = Math.min(count, from + size)
    load(from, to)
    const cpu = process.cpuUsage()
    const start = process.hrtime.bigint()
    for (let k = 0; k < to - from; k++) step(k)
    elapsed += process.hrtime.bigint() - start
    const used = process.cpuUsage(cpu)
    cpuMicros += used.user + used.system
  }
  return { wall: count / (Number(elapsed) / 1e9), cpu: count / (cpuMicros / 1e6) }
}

/** Operations per wall-clock second, and per second of this process's CPU time. */
type Throughput = { wall: number; cpu: number }

/**
 * Times each operation and then (untimed) records its result. Returns nanoseconds per operation
 * (timer cost included).
 */
function runLatency(prepared: Prepared, batch: number): Float64Array {
  const { count, load, step, observe } = prepared
  const size = batch > 0 ? batch : count
  const samples = new Float64Array(count)
  for (let from = 0; from < count; from += size) {
    const to = Math.min(count, from + size)
    load(from, to)
    for (let k = 0; k < to - from; k++) {
      const start = process.hrtime.bigint()
      const result = step(k)
      samples[from + k] = Number(process.hrtime.bigint() - start)
      observe(k, result)
    }
  }
  return samples
}

/** The median cost of one `hrtime.bigint()` pair, in nanoseconds. */
function timerOverhead(): number {
  const samples = new Float64Array(200_000)
  for (let i = 0; i < samples.length; i++) {
    const start = process.hrtime.bigint()
    samples[i] = Number(process.hrtime.bigint() - start)
  }
  return percentile(
    Array.from(samples).sort((a, b) => a - b),
    50,
  )
}

type Stats = { p50: number; p90: number; p99: number; p999: number; max: number; mean: number }

function stats(samples: Float64Array | number[]): Stats {
  const sorted = Array.from(samples).sort((a, b) => a - b)
  let sum = 0
  for (const value of sorted) sum += value
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sum / Math.max(1, sorted.length),
  }
}

function statsByKind(samples: Float64Array, skeleton: Skeleton): Record<string, Stats> {
  const groups: number[][] = [[], [], []]
  for (let i = 0; i < samples.length; i++) {
    groups[skeleton.kind[i] as number]?.push(samples[i] as number)
  }
  return Object.fromEntries(groups.map((group, kind) => [kindNames[kind], stats(group)]))
}

const collectGarbage: () => void = (() => {
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return () => {}
  }
})()

function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  )
}

const ns = (value: number) => `${(value / 1000).toFixed(2)} µs`
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} ops/s`

type Summary = { text: string; json: Record<string, unknown> }

/** Runs the benchmark and prints (and saves) the SUMMARY block. */
export function runMatchingBenchmark(options: Options): Summary {
  const skeleton = generate(options.ops, options.seed)
  const variants: Variant[] = ['ours', 'oursEscrow', 'reference']
  if (options.warmup > 0) {
    const warm = generate(options.warmup, options.seed ^ 0x5a5a5a5a)
    for (const variant of variants) runThroughput(prepare(variant, warm), options.batch)
  }
  const throughput: Record<Variant, Throughput[]> = { ours: [], oursEscrow: [], reference: [] }
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(k + round) % variants.length] as Variant
      const prepared = prepare(variant, skeleton)
      collectGarbage()
      throughput[variant].push(runThroughput(prepared, options.batch))
    }
  }
  const overhead = timerOverhead()
  const latency = {} as Record<Variant, Float64Array>
  const verified = {} as Record<Variant, Verification>
  for (const variant of [...variants].reverse()) {
    const prepared = prepare(variant, skeleton)
    collectGarbage()
    latency[variant] = runLatency(prepared, options.batch)
    verified[variant] = prepared.verify()
  }
  const deepBook = options.levels > 0 ? runDeepBook(options.levels, options.rounds) : null
  const measured = { throughput, latency, overhead, verified, deepBook }
  const counts = [0, 0, 0]
  for (const kind of skeleton.kind) counts[kind] = (counts[kind] ?? 0) + 1
  const { results, json } = describeResults(skeleton, counts, measured)
  return printBlock(options, describeConfig(options, counts, overhead), results, json)
}

/** What the deep-book case measured: milliseconds per round for each phase. */
export type DeepBook = {
  levels: number
  /** Placing every bid, each one tick below the last (a new worst level each time). */
  worstOrderMs: number[]
  /** Cancelling those orders, the worst level first. */
  cancelWorstFirstMs: number[]
  /** Placing the same bids each one tick above the last (a new best level each time). */
  bestOrderMs: number[]
}

/** The best bid of the deep book, in ticks; the worst is `deepBookTop - levels + 1`. */
const deepBookTop = 1_000_000_000

/**
 * Runs the deep-book case (see the module comment) on a new engine without escrow per phase
 * pair, checking untimed that every bid rested on its own level and the cancels emptied the book.
 */
export function runDeepBook(levels: number, rounds: number): DeepBook {
  const measured: DeepBook = { levels, worstOrderMs: [], cancelWorstFirstMs: [], bestOrderMs: [] }
  const ownerIds = ownerIdsOf()
  const lowest = deepBookTop - levels + 1
  for (let round = 0; round < rounds; round++) {
    const worst = deepBids(levels, ownerIds, (i) => deepBookTop - i)
    const engine = createMatchingEngine({ markets: [ethUsdt], escrow: null })
    collectGarbage()
    measured.worstOrderMs.push(timeMs(() => worst.forEach((bid) => engine.place(bid))))
    checkDeepBook(engine, levels)
    const cancels = worst.map((_, k) => {
      const i = levels - 1 - k
      return { orderId: deepOrderId(i), owner: ownerIds[i % owners] as string }
    })
    collectGarbage()
    measured.cancelWorstFirstMs.push(timeMs(() => cancels.forEach((c) => engine.cancel(c))))
    checkDeepBook(engine, 0)
    const best = deepBids(levels, ownerIds, (i) => lowest + i)
    const other = createMatchingEngine({ markets: [ethUsdt], escrow: null })
    collectGarbage()
    measured.bestOrderMs.push(timeMs(() => best.forEach((bid) => other.place(bid))))
    checkDeepBook(other, levels)
  }
  return measured
}

const deepOrderId = (i: number) => hexOf(i, 0xdeeb, 8)

/** `levels` limit bids of 10 lots, bid `i` at `priceOf(i)`, with fresh id strings. */
function deepBids(
  levels: number,
  ownerIds: readonly string[],
  priceOf: (i: number) => number,
): PlaceOrderParameters[] {
  return Array.from({ length: levels }, (_, i) => ({
    orderId: deepOrderId(i),
    market: ethUsdt.id,
    owner: ownerIds[i % owners] as string,
    side: 'buy' as const,
    type: 'limit' as const,
    price: priceOf(i),
    lots: 10,
  }))
}

/** Throws unless the book holds `levels` bids, one per level, the best at `deepBookTop`. */
function checkDeepBook(engine: MatchingEngine, levels: number): void {
  const { bids, asks } = engine.depth(ethUsdt.id, Number.MAX_SAFE_INTEGER)
  const ok =
    engine.openOrderCount === levels &&
    bids.length === levels &&
    asks.length === 0 &&
    (levels === 0 || (bids[0]?.price === deepBookTop && bids.at(-1)?.orders === 1))
  if (!ok) throw new Error(`deep book: expected ${levels} levels, found ${bids.length}`)
}

function timeMs(run: () => void): number {
  const start = process.hrtime.bigint()
  run()
  return Number(process.hrtime.bigint() - start) / 1e6
}

type Measured = {
  throughput: Record<Variant, Throughput[]>
  latency: Record<Variant, Float64Array>
  overhead: number
  verified: Record<Variant, Verification>
  deepBook: DeepBook | null
}

/** Every input of the run, with units, and the machine. */
function describeConfig(options: Options, counts: number[], overhead: number) {
  return {
    ops: options.ops,
    mix: `passive limit ${counts[0]}, cancel ${counts[1]}, aggressive ${counts[2]} (70/20/10)`,
    seed: `0x${options.seed.toString(16)} (sfc32)`,
    market: `${ethUsdt.id}, mid ${mid} ticks, passive ±1..${band} ticks, ${owners} owners`,
    passiveLots: '10..109',
    aggressive:
      `IOC at mid ±${band} (half of ours as market orders), 10..1009 lots while over ` +
      `${targetOpenOrders} open orders, else 10..209`,
    orderIds: '0x + 64 hex, fresh strings per run; cancels carry separate string objects',
    rounds: `${options.rounds}, rotating order ours / ours+escrow / reference, median reported`,
    warmup: `${options.warmup} ops per engine (other seed)`,
    batch:
      options.batch > 0
        ? `${options.batch} ops built untimed, then applied (timed), as a replica applies a batch`
        : 'whole stream built before timing',
    throughputTiming: 'one hrtime pair per batch, no per-op timer',
    latencyTiming:
      `separate run, process.hrtime.bigint() around each op; ` +
      `timer pair ${overhead} ns (included)`,
    reference: 'nodejs-order-book 10.1.1, limit()/cancel(), IOC for aggressive, STP EXPIRE_MAKER',
    escrow: 'InMemoryEscrow (shared/orderbook/testing.ts), every owner funded',
    deepBook:
      options.levels > 0
        ? `${options.levels} limit bids of 10 lots on as many prices (${ethUsdt.id}, best ` +
          `${deepBookTop} ticks, no escrow, fresh ids): worst order = each one tick below the ` +
          `last; then cancelled worst first; then placed each above the last; ` +
          `${options.rounds} rounds, median`
        : 'skipped (--levels 0)',
    ...environmentConfig(),
    loadAverage: `${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (1/5/15 min, at the end)`,
  }
}

/** Throughput and latency lines per engine, then the comparison, hashes and goals. */
function describeResults(skeleton: Skeleton, counts: number[], m: Measured) {
  const results: Record<string, string> = {}
  const json: Record<string, unknown> = {}
  const wall = { ours: 0, oursEscrow: 0, reference: 0 }
  for (const variant of ['ours', 'oursEscrow', 'reference'] as Variant[]) {
    const rounds = m.throughput[variant]
    wall[variant] = median(rounds.map((t) => t.wall))
    const cpu = median(rounds.map((t) => t.cpu))
    const all = stats(m.latency[variant])
    const byKind = statsByKind(m.latency[variant], skeleton)
    const name = variantNames[variant]
    const each = rounds.map((t) => `${rate(t.wall)} / ${rate(t.cpu)}`).join(', ')
    results[`${name} throughput`] =
      `${rate(wall[variant])} wall, ${rate(cpu)} of CPU time (rounds: ${each})`
    results[`${name} latency`] =
      `p50 ${ns(all.p50)}, p90 ${ns(all.p90)}, p99 ${ns(all.p99)}, ` +
      `p99.9 ${ns(all.p999)}, max ${ns(all.max)}`
    results[`${name} p50/p99 by kind`] = kindNames
      .map((kind) => `${kind} ${ns(byKind[kind]?.p50 ?? 0)}/${ns(byKind[kind]?.p99 ?? 0)}`)
      .join(', ')
    json[variant] = {
      opsPerSecond: Math.round(wall[variant]),
      opsPerCpuSecond: Math.round(cpu),
      rounds: rounds.map((t) => ({ wall: Math.round(t.wall), cpu: Math.round(t.cpu) })),
      latencyNs: all,
      latencyNsByKind: byKind,
    }
  }
  const speedup = wall.ours / wall.reference
  const speedupEscrow = wall.oursEscrow / wall.reference
  const p99 = stats(m.latency.ours).p99
  Object.assign(results, describeChecks(m.verified, counts), {
    'speedup vs nodejs-order-book': `${speedup.toFixed(2)}x (with escrow ${speedupEscrow.toFixed(2)}x)`,
    goals: [
      `≥1M ops/s ${wall.ours >= 1e6 ? 'met' : 'MISSED'}`,
      `p99 ≤ 20 µs ${p99 <= 20_000 ? 'met' : 'MISSED'}`,
      `≥2x reference ${speedup >= 2 ? 'met' : 'MISSED'}`,
      ...deepBookGoals(m.deepBook),
    ].join(', '),
  })
  Object.assign(results, describeDeepBook(m.deepBook))
  const { ours } = m.verified
  Object.assign(json, {
    speedup,
    speedupEscrow,
    tradeLogHash: ours.tradeLogHash,
    bookHash: ours.bookHash,
    fills: ours.fills,
    tradedLots: ours.tradedLots,
    crossCheck: agrees(m.verified, counts),
  })
  if (m.deepBook !== null) json.deepBook = deepBookJson(m.deepBook)
  return { results, json }
}

const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`
const count = (value: number) => value.toLocaleString('en-US')

/** One result line per deep-book phase: the median, µs per order and every round. */
function describeDeepBook(deep: DeepBook | null): Record<string, string> {
  if (deep === null) return {}
  const line = (rounds: number[], what: string) => {
    const each = rounds.map(ms).join(', ')
    const perOrder = ((median(rounds) * 1000) / deep.levels).toFixed(2)
    return `${ms(median(rounds))} ${what} (${perOrder} µs per order; rounds: ${each})`
  }
  const orders = `${count(deep.levels)} bids on ${count(deep.levels)} levels`
  return {
    'deep book, worst order': line(deep.worstOrderMs, `for ${orders}, each below the last`),
    'deep book, cancels worst first': line(deep.cancelWorstFirstMs, 'to cancel them all'),
    'deep book, other order': line(deep.bestOrderMs, `for ${orders}, each above the last`),
  }
}

function deepBookGoals(deep: DeepBook | null): string[] {
  if (deep === null) return []
  const worst = median(deep.worstOrderMs)
  const goal = `${count(deep.levels)} worst-order levels ≤ 1 s`
  return [deep.levels === 100_000 ? `${goal} ${worst <= 1_000 ? 'met' : 'MISSED'}` : `${goal} n/a`]
}

function deepBookJson(deep: DeepBook) {
  return {
    levels: deep.levels,
    worstOrderMs: median(deep.worstOrderMs),
    cancelWorstFirstMs: median(deep.cancelWorstFirstMs),
    bestOrderMs: median(deep.bestOrderMs),
    rounds: {
      worstOrderMs: deep.worstOrderMs,
      cancelWorstFirstMs: deep.cancelWorstFirstMs,
      bestOrderMs: deep.bestOrderMs,
    },
  }
}

/** Both engines traded the same lots, hit every cancel, ended equal; escrow changed nothing. */
function agrees(v: Record<Variant, Verification>, counts: number[]): boolean {
  const { ours, oursEscrow, reference } = v
  return (
    ours.tradedLots === reference.tradedLots &&
    ours.cancelHits === reference.cancelHits &&
    ours.cancelHits === counts[1] &&
    ours.depth === reference.depth &&
    oursEscrow.tradeLogHash === ours.tradeLogHash &&
    oursEscrow.depth === ours.depth
  )
}

function describeChecks(v: Record<Variant, Verification>, counts: number[]) {
  const { ours, reference } = v
  const mismatch =
    `MISMATCH ours ${ours.tradedLots} lots/${ours.cancelHits} cancels, reference ` +
    `${reference.tradedLots}/${reference.cancelHits}, same depth ${ours.depth === reference.depth}`
  return {
    'trade-log hash':
      `${ours.tradeLogHash} (${ours.fills} fills, ${ours.tradedLots} lots; ` +
      'equal with and without escrow)',
    'book hash': ours.bookHash,
    'final book':
      `${ours.openOrders} open orders on ${ours.levels} levels; ` +
      `${ours.selfTradeCancels} self-trade cancels; ${ours.noLiquidity} IOC rejected no_liquidity`,
    'cross-check vs reference': agrees(v, counts)
      ? `ok (same traded lots, ${ours.cancelHits}/${counts[1]} cancels hit in both, same depth)`
      : mismatch,
  }
}

function printBlock(
  options: Options,
  config: Record<string, unknown>,
  results: Record<string, string>,
  measured: Record<string, unknown>,
): Summary {
  const lines = ['SUMMARY', '+ CONFIG']
  for (const [key, value] of Object.entries(config)) lines.push(`  ${key}: ${value}`)
  lines.push('+ RESULTS')
  for (const [key, value] of Object.entries(results)) lines.push(`  ${key}: ${value}`)
  const at = new Date().toISOString()
  const json = { bench: `matching-${options.ops}`, at, config, results: measured }
  lines.push(JSON.stringify(json))
  const text = `${lines.join('\n')}\n`
  process.stdout.write(text)
  if (options.save) {
    mkdirSync(options.out, { recursive: true })
    appendFileSync(join(options.out, `matching-${options.ops}.txt`), `${text}\n`)
  }
  return { text, json }
}

if (import.meta.filename === process.argv[1]) {
  runMatchingBenchmark(parseOptions(process.argv.slice(2)))
}
