/**
 * `npm run bench:browser`'s repaint scenario (issue 18's goal): the whole product on loopback
 * (`startSystem`: 4 Zellular nodes, 3 replicas, the web server) with the demo market maker
 * quoting fast, and the built app in Debian's Chromium, connected as the market maker's quoting
 * account so that its batches move the book, print trades for the chart and change the balances;
 * `bookChurn.ts` moves the shown book about 20 times a second besides.
 * `repaintProbe.ts` times, per applied batch, its first SSE event → the frame that shows it on
 * the book, the chart and the balances, and collects long tasks (> 50 ms) meanwhile; the
 * renderer's main-thread time per batch comes from the DevTools protocol's Performance metrics,
 * and the page's requests a second (by method and path) from the browser.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath } from '../e2e/chromiumLaunch.ts'
import { TestWallet } from '../e2e/wallet/testWallet.ts'
import { buildWebIfStale, startSystem } from '../server/devnet/system.ts'
import { prepareMarketMakerKeys } from '../server/marketMaker/setup.ts'
import { startBookChurn } from './bookChurn.ts'
import { installRepaintProbe, type ProbeBatch } from './browser/repaintProbe.ts'
import { busiestRendererMain, selfTimeByName, type TraceEvent } from './browser/traceSummary.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'

export interface RepaintBenchOptions {
  readonly seconds: number
  readonly warmupSeconds: number
  /** The market maker's pause between rounds. */
  readonly makerIntervalMs: number
  readonly basePort: number
  /** Intents a second of `bookChurn.ts` on the shown market (0: the market maker alone). */
  readonly churnHz: number
  /** One churn intent of this many is a market order against the maker's quotes (0: none). */
  readonly churnTradeEvery: number
  /** Prints the renderer's functions by self time over the window. */
  readonly profile: boolean
  /** Prints the renderer's main-thread time by trace event name over the window. */
  readonly trace: boolean
}

const market = 'ETH/USDT'

export async function runRepaintBench(options: RepaintBenchOptions): Promise<void> {
  await buildWebIfStale()
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-repaint-'))
  // The system makes the key file on start; made first here so the page can hold the key.
  mkdirSync(join(dataDir, 'replicas'))
  const keys = prepareMarketMakerKeys(join(dataDir, 'replicas')).keys
  const system = await startSystem({
    dataDir,
    webPort: options.basePort,
    replicaBasePort: options.basePort + 10,
    zellularBasePort: options.basePort + 20,
    marketMaker: { seed: 7, intervalMs: options.makerIntervalMs },
    onLine: (name, line) => {
      if (process.env.BENCH_VERBOSE === '1') console.log(`${name}: ${line}`)
    },
  })
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs] })
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    await TestWallet.install(context, { privateKeys: [keys.makerKey] })
    // As source text: tsx wraps named functions in `__name(…)`, which the page lacks.
    await context.addInitScript({
      content: `var __name = (f) => f; (${installRepaintProbe.toString()})(${JSON.stringify(market)})`,
    })
    const page = await context.newPage()
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`))
    await page.goto(`${system.webUrl}/?market=${market.replace('/', '-')}`)
    await page.getByTestId('connect-wallet').click()
    await page.getByTestId('wallet-io.metamask').click()
    await page.getByTestId('balances').locator('[data-verified="true"]').first().waitFor()
    const churn =
      options.churnHz > 0
        ? await startBookChurn({
            webUrl: system.webUrl,
            market,
            rateHz: options.churnHz,
            tradeEvery: options.churnTradeEvery,
          })
        : undefined
    await page.waitForTimeout(options.warmupSeconds * 1000)

    if (system.marketMaker?.child.exitCode !== null) throw new Error('the market maker stopped')
    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const metrics = async () => {
      const { metrics: list } = await cdp.send('Performance.getMetrics')
      return Object.fromEntries(list.map((metric) => [metric.name, metric.value]))
    }
    const profiling = options.profile
    if (profiling) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.start')
    }
    // What the page asks the replicas for while it shows the live market, by method and path.
    const requests = new Map<string, number>()
    let counting = true
    page.on('request', (request) => {
      if (!counting) return
      const key = `${request.method()} ${new URL(request.url()).pathname}`
      requests.set(key, (requests.get(key) ?? 0) + 1)
    })
    if (options.trace) await browser.startTracing(page, { categories: traceCategories })
    const before = await metrics()
    const load = [loadavg()[0]!]
    await page.evaluate(() => window.repaintProbe.start())
    for (let second = 0; second < options.seconds; second += 10) {
      await page.waitForTimeout(Math.min(10, options.seconds - second) * 1000)
      load.push(loadavg()[0]!)
    }
    const report = await page.evaluate(() => window.repaintProbe.stop())
    counting = false
    const after = await metrics()
    const churned = await churn?.stop()
    if (profiling) printHotFunctions((await cdp.send('Profiler.stop')).profile)
    if (options.trace) printMainThreadTime(await browser.stopTracing(), report.batches.length)
    // Late frames of the last batches.
    await page.waitForTimeout(500)

    // A probe that hears nothing times nothing: say so rather than print empty figures.
    if (report.events === 0) throw new Error("the repaint probe heard no event of the app's stream")
    const seconds = report.recordedMs / 1000
    const { batches } = report
    const bookBatches = batches.filter((batch) => batch.bookSeq !== undefined)
    const results: Record<string, string | number> = {
      churn_intents:
        churned === undefined
          ? 0
          : `${churned.sent} (${churned.refused} refused, ${churned.trades} market orders)`,
      events: report.events,
      batches: batches.length,
      book_updates_per_s: (bookBatches.length / seconds).toFixed(1),
      trades_batches: batches.filter((batch) => batch.tradeSeq !== undefined).length,
      balance_batches: batches.filter((batch) => batch.balance).length,
    }
    const describe = (name: string, pick: (batch: ProbeBatch) => number | undefined) => {
      const relevant = batches.filter((batch) => pick(batch) !== -1)
      const times = relevant.map(pick).filter((time): time is number => time !== undefined)
      times.sort((a, b) => a - b)
      results[`${name}_p50_ms`] = percentile(times, 50).toFixed(1)
      results[`${name}_p99_ms`] = percentile(times, 99).toFixed(1)
      results[`${name}_timed`] = `${times.length} of ${relevant.length}`
    }
    describe('book', (batch) => (batch.bookSeq === undefined ? -1 : batch.book))
    describe('chart', (batch) => (batch.tradeSeq === undefined ? -1 : batch.chart))
    // The book in the batches that trade: they carry more than quotes (fills, balances), so
    // the chart's figure is set beside the book's for the same batches.
    describe('book_of_trades', (batch) =>
      batch.tradeSeq === undefined || batch.bookSeq === undefined ? -1 : batch.book)
    // Where a trading batch's time goes: its events arriving, the app until the DOM shows it,
    // then the frame.
    describe('arrival_of_trades', (batch) => (batch.tradeSeq === undefined ? -1 : batch.arrival))
    describe('book_dom_of_trades', (batch) =>
      batch.tradeSeq === undefined || batch.bookSeq === undefined ? -1 : batch.bookDom)
    describe('chart_dom', (batch) => (batch.tradeSeq === undefined ? -1 : batch.chartDom))
    describe('book_dom', (batch) => (batch.bookSeq === undefined ? -1 : batch.bookDom))
    describe('balances', (batch) => (batch.balance ? batch.balances : -1))
    describe('balances_verified', (batch) => (batch.balance ? batch.verified : -1))
    // A batch is repainted when every panel it changes shows it.
    describe('book_chart', (batch) => {
      if (batch.bookSeq === undefined) return -1
      if (batch.book === undefined) return undefined
      if (batch.tradeSeq !== undefined && batch.chart === undefined) return undefined
      return Math.max(batch.book, batch.chart ?? 0)
    })
    const perSecond = (count: number) => (count / seconds).toFixed(1)
    const asked = [...requests.entries()].sort((a, b) => b[1] - a[1])
    results['page_requests_per_s'] = perSecond(asked.reduce((sum, [, count]) => sum + count, 0))
    results['page_requests_by_path'] = asked
      .map(([key, count]) => `${key} ${perSecond(count)}`)
      .join(', ')
    const long = report.longTasks.map((task) => task.duration).sort((a, b) => a - b)
    results['long_tasks'] = long.length
    results['long_tasks_per_min'] = ((long.length / seconds) * 60).toFixed(1)
    results['long_task_max_ms'] = (long.at(-1) ?? 0).toFixed(0)
    results['long_task_total_ms'] = long.reduce((sum, value) => sum + value, 0).toFixed(0)
    const perBatch = (name: string) =>
      (((after[name]! - before[name]!) * 1000) / Math.max(1, batches.length)).toFixed(2)
    results['renderer_task_ms_per_batch'] = perBatch('TaskDuration')
    results['renderer_script_ms_per_batch'] = perBatch('ScriptDuration')
    results['renderer_layout_style_ms_per_batch'] = (
      Number(perBatch('LayoutDuration')) + Number(perBatch('RecalcStyleDuration'))
    ).toFixed(2)
    results['renderer_busy_percent'] = (
      ((after['TaskDuration']! - before['TaskDuration']!) / seconds) *
      100
    ).toFixed(0)
    printSummary(
      `browser-repaint-${market.replace('/', '-')}`,
      {
        ...environmentConfig(),
        browser: `${browser.version()} (${chromiumPath})`,
        market,
        seconds: options.seconds,
        warmup_seconds: options.warmupSeconds,
        maker_interval_ms: options.makerIntervalMs,
        churn_hz: options.churnHz,
        churn_trade_every: options.churnTradeEvery,
        goal: 'book, chart, balances repainted p50 <= 16 ms, p99 <= 50 ms; no long task > 50 ms',
        load_average_1m: load.map((value) => value.toFixed(1)).join(' → '),
      },
      results,
    )
  } finally {
    await browser.close()
    await system.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** The timeline's categories: what DevTools' Performance panel records. */
const traceCategories = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'blink',
  'cc',
  'gpu',
  'v8',
  'toplevel',
]

/** `--trace`: the page's main thread by trace event name, self time per batch, top 30. */
function printMainThreadTime(trace: Buffer, batches: number): void {
  const parsed = JSON.parse(trace.toString()) as TraceEvent[] | { traceEvents: TraceEvent[] }
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents
  const thread = busiestRendererMain(events)
  if (thread === undefined) throw new Error('the trace holds no renderer main thread')
  const times = selfTimeByName(events, thread)
  const total = times.reduce((sum, time) => sum + time.selfMs, 0)
  console.log(
    `renderer main thread: ${(total / batches).toFixed(2)} ms a batch, self time by event`,
  )
  for (const time of times.slice(0, 30)) {
    const perBatch = (time.selfMs / batches).toFixed(3).padStart(8)
    console.log(`${perBatch} ms  ${String(time.count).padStart(7)}×  ${time.name}`)
  }
}

/** `--profile`: the renderer's functions by self time over the window, top 25. */
function printHotFunctions(profile: {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples?: number[]
  timeDeltas?: number[]
}): void {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i += 1) {
    const frame = byNode.get(samples[i]!)?.callFrame
    if (frame === undefined) continue
    const file = frame.url.split('/').pop() ?? ''
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber}`
    self.set(name, (self.get(name) ?? 0) + (deltas[i] ?? 0) / 1000)
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)
  for (const [name, ms] of top) console.log(`${ms.toFixed(0).padStart(7)} ms  ${name}`)
}
