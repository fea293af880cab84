/**
 * `npm run bench:browser`: two scenarios in Debian's Chromium. `repaint` (`browserRepaint.ts`):
 * the app against the whole product with the demo market maker quoting fast, each applied
 * batch timed from its SSE event to the book, chart and balances repainted, with long tasks.
 * `verify`: browser-side verification of a portfolio (every devnet token's balance of one
 * address and its open orders) against one root a quorum signed. Builds a tiny page around the
 * check the web app runs on its answers (`splitBalanceProofs` and `splitOrderProofs` of one
 * replica's proven balances and page of open orders, then in its BLS worker
 * `verifyPortfolioAtRoot`: three root attestations judged, one aggregate verification, one state
 * proof per balance and per open order; BLS lazy-loaded exactly as in the app),
 * serves it on loopback, drives Debian's Chromium with playwright-core, and times `reads`
 * portfolio checks. Scenarios: `fresh-root` (each read at a new index: new signatures, so the
 * aggregate is verified every time) and `repeat-read` (the same root and proofs `reads` times,
 * as the app's polling does while nothing changes; the verifier's cache of successful checks
 * answers), both on herumi. `cold` is the app's first check from nothing: `loadBls` (herumi's
 * chunk, its WebAssembly streamed as the app's build serves it, `web/vite/herumiWasm.ts`; split
 * at the marks `herumi.ts` leaves into `chunk`, until the chunk runs, and `setup`, until herumi
 * is instantiated and set up), the registry keys' proofs of possession (`prepare`, which the
 * app's worker checks while the answers travel), and that check, its code run for the first
 * time (`first_check`: from the answers' arrival to the verdict when they come after the rest);
 * `first_visit`, `second_visit` and `third_visit` the same in a new browser process each, on
 * one profile (`measureVisits`).
 *
 * Options: `--only=repaint|verify` (default both); repaint: `--seconds=N` (60),
 * `--warmup-seconds=N` (10), `--maker-interval-ms=N` (100, the market maker's least),
 * `--port=N` (17400, and the 30 after it), `--churn-hz=N` (20 book orders a second besides; 0:
 * none), `--churn-trade-every=N` (one churn intent of N a market order against the maker's
 * quotes, for more trading batches a run; 0, the default: none), `--profile` (the renderer's
 * hot functions), `--trace` (its main-thread time by trace event); verify: `--reads=N` (200),
 * `--warmup=N` (20), `--orders=N` (20 open orders besides the 3 balances), `--seed=N` (1).
 */
import { createServer } from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { build } from 'vite'
import { herumiWasm } from '../web/vite/herumiWasm.ts'
import { sha256, stringToBytes } from 'viem'
import { chromiumArgs, chromiumPath } from '../e2e/chromiumLaunch.ts'
import { assetCacheControl } from '../server/devnet/webServer.ts'
import { blsIdentityOf, registryHashOf, signRootAttestation } from '../shared/attest/index.ts'
import {
  balanceLeaf,
  createExchange,
  devnetMarkets,
  devnetTokens,
  encodeProofHex,
  orderLeaf,
} from '../shared/exchange/index.ts'
import { signIntent, testAccount } from '../shared/exchange/testing.ts'
import type { BenchInput, BenchOutput, BenchRead, FirstCheck } from './browser/verifyPage.ts'
import { runRepaintBench } from './browserRepaint.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

const args = new BenchArguments(process.argv.slice(2))
const argument = (name: string, fallback: number) => args.number(name, fallback)
const reads = argument('reads', 200)
const warmup = argument('warmup', 20)
const seed = argument('seed', 1)
const orders = argument('orders', 20)
/** `--only=repaint` or `--only=verify`: one of the two benches (both by default). */
const benches = args.choices('only', ['repaint', 'verify'], ['repaint', 'verify'])
const repaint = {
  seconds: argument('seconds', 60),
  warmupSeconds: argument('warmup-seconds', 10),
  makerIntervalMs: argument('maker-interval-ms', 100),
  basePort: args.number('port', 17400, { integer: true }),
  churnHz: argument('churn-hz', 20),
  churnTradeEvery: args.number('churn-trade-every', 0, { integer: true }),
  /** `--profile`: the renderer's hot functions over the window. */
  profile: args.flag('profile'),
  /** `--trace`: the renderer's main-thread time by trace event over the window. */
  trace: args.flag('trace'),
}
args.finish()
/** How long a first check waits after its page is ready: the browser's start-up work is done. */
const settleMs = 2000

/**
 * Deterministic keys, one address holding every devnet token with `orders` resting ETH/USDT buys
 * (one placed per batch), and `count` portfolio checks at indexes `1000 + offset + j`: each with
 * the three replicas' root attestations of that index and one replica's proven balances and
 * proven page of open orders.
 */
function makeFixtures(count: number, offset: number): Omit<BenchInput, 'warmupReads'> {
  const secretKeys = [1, 2, 3].map((i) => new Uint8Array(32).fill(seed * 16 + i))
  const registry = {
    app: 'zellular-orderbook',
    network: 'devnet',
    quorum: 2,
    replicas: secretKeys.map((key, i) => ({
      id: `replica-${i + 1}`,
      ...blsIdentityOf(key),
    })),
  }
  const account = testAccount(1_000 + seed)
  const { address } = account
  const tokens = devnetTokens.map((token) => token.symbol)
  const exchange = createExchange({
    domain: { app: registry.app, network: registry.network },
    genesis: {
      issuer: `0x${'ff'.repeat(20)}`,
      tokens: [...devnetTokens],
      balances: tokens.map((token, i) => ({ address, token, amount: String(1000 * (i + 1)) })),
    },
    markets: devnetMarkets,
  })
  const orderIds = Array.from({ length: orders }, (_, i) => {
    const fields = {
      action: 'order',
      nonce: String(i + 1),
      market: 'ETH/USDT',
      side: 'buy',
      type: 'limit',
      price: String(100 + i),
      quantity: '0.01',
      timeInForce: 'GTC',
    }
    const intent = signIntent(account, exchange.ledger.tokens, fields)
    return exchange.applyBatch(JSON.stringify([intent]), i + 1).receipts[0]!.intentId
  })
  const stateHash = exchange.stateHash()
  const registryHash = registryHashOf(registry)
  const list: BenchRead[] = []
  for (let j = 0; j < count; j++) {
    const index = 1000 + offset + j
    const answers = registry.replicas.map((replica, r) => ({
      replicaId: replica.id,
      kind: 'answer' as const,
      body: signRootAttestation(secretKeys[r]!, {
        app: registry.app,
        network: registry.network,
        registryHash,
        replicaId: replica.id,
        index,
        chainingHash: index.toString(16).padStart(32, '0'),
        time: 1_800_000_000_000 + index,
        stateHash,
      }),
    }))
    // One replica's wire answers, as the app receives them: all balances in one answer, the
    // open orders in one page (`GET /balances?proof=1`, `GET /orders?proof=1`).
    const balances = tokens.map((token) => {
      const balance = exchange.ledger.balance(address, token)
      const [key, value] = balanceLeaf(address, token, balance)
      const proof = encodeProofHex(exchange.stateProof(key, { value })!.proof)
      const { available, locked } = balance
      return { token, available: available.toString(), locked: locked.toString(), proof }
    })
    const balancesBody = { replicaId: 'replica-1', address, index, stateHash, balances }
    const provenOrders = orderIds.map((orderId) => {
      const proven = exchange.stateProof(orderLeaf(orderId, undefined, undefined)[0])!
      return { orderId, value: proven.value ?? null, proof: encodeProofHex(proven.proof) }
    })
    const ordersBody = {
      address,
      index,
      orders: orderIds.map((orderId) => ({ orderId, status: 'open' })),
      next: null,
      proofs: { replicaId: 'replica-1', index, stateHash, orders: provenOrders },
    }
    const answer = (body: unknown) => ({ replicaId: 'replica-1', kind: 'answer' as const, body })
    list.push({
      index,
      answers,
      address,
      tokens,
      balancesAnswer: answer(balancesBody),
      orderPages: [answer(ordersBody)],
    })
  }
  return { registry, reads: list }
}

async function buildPage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-browser-'))
  await build({
    configFile: false,
    logLevel: 'warn',
    root: join(import.meta.dirname, 'browser'),
    plugins: [herumiWasm()],
    build: {
      outDir,
      emptyOutDir: true,
      rollupOptions: { input: join(import.meta.dirname, 'browser', 'verifyPage.html') },
    },
  })
  return outDir
}

function serve(dir: string): Promise<{ url: string; close: () => void }> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.wasm': 'application/wasm',
  }
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))
    const file = join(dir, path === '/' ? 'verifyPage.html' : path)
    if (!file.startsWith(dir)) return void response.writeHead(403).end()
    try {
      const body = readFileSync(file)
      // As the devnet web server: files named by their content are cached for good.
      const cached = path.startsWith('/assets/') ? { 'cache-control': assetCacheControl } : {}
      const type = types[extname(file)] ?? 'application/octet-stream'
      response.writeHead(200, { 'content-type': type, ...cached }).end(body)
    } catch {
      response.writeHead(404).end()
    }
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number }
      resolve({ url: `http://127.0.0.1:${address.port}/`, close: () => server.close() })
    }),
  )
}

if (benches.includes('repaint')) await runRepaintBench(repaint)
if (benches.includes('verify')) await runVerifyBench()

/**
 * The app's first check in `page`, which has loaded nothing of BLS yet, once the browser has
 * settled after starting (on 2 cores its start-up work otherwise lands in the check).
 */
async function firstCheckIn(page: Page, registry: BenchInput['registry'], read: BenchRead) {
  await page.waitForTimeout(settleMs)
  const check: FirstCheck = await page.evaluate(
    ([registry, read]) => window.measureFirstCheck(registry, read),
    [registry, read] as const,
  )
  if (!check.verified) throw new Error('a first check did not verify')
  return check
}

/**
 * The app's first check on three visits of one browser profile, each in a new browser process:
 * the first from nothing, the later ones with what the browser kept of the earlier ones (the
 * files in its HTTP cache, and whatever code V8 kept beside them). Each visit then checks
 * `session`'s reads, as the app does on every batch, before the browser closes.
 */
async function measureVisits(url: string, session: BenchInput, read: BenchRead) {
  const { registry } = session
  const profile = mkdtempSync(join(tmpdir(), 'bench-browser-profile-'))
  const results: Record<string, string | boolean> = {}
  try {
    for (const visit of ['first', 'second', 'third']) {
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        args: [...chromiumArgs],
      })
      try {
        const page = context.pages()[0] ?? (await context.newPage())
        await page.goto(url)
        await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready')
        const check = await firstCheckIn(page, registry, read)
        const cold = check.loadMs + check.prepareMs + check.checkMs
        results[`${visit}_visit_cold_ms`] = cold.toFixed(1)
        results[`${visit}_visit_load_ms`] = check.loadMs.toFixed(1)
        results[`${visit}_visit_chunk_ms`] = check.chunkMs.toFixed(1)
        results[`${visit}_visit_setup_ms`] = check.setupMs.toFixed(1)
        results[`${visit}_visit_prepare_ms`] = check.prepareMs.toFixed(1)
        results[`${visit}_visit_check_ms`] = check.checkMs.toFixed(1)
        results[`${visit}_visit_check_bls_ms`] = check.blsMs.toFixed(1)
        results[`${visit}_visit_wasm_from_cache`] = check.wasmFromCache
        const rest = await page.evaluate((input) => window.runVerifyBench(input), session)
        if (rest.outcomes.some((outcome) => !outcome.startsWith('v3/3'))) {
          throw new Error(`the ${visit} visit's later checks did not all verify 3 of 3`)
        }
        // V8 writes the code it optimised for a streamed module to the cache a while after it
        // last optimised a function of it.
        await page.waitForTimeout(4000)
      } finally {
        await context.close()
      }
    }
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
  return results
}

async function runVerifyBench(): Promise<void> {
  const fixtures = makeFixtures(reads, 0)
  const warmupReads = makeFixtures(warmup, reads).reads
  // The app re-reads unchanged balances every few seconds: the same root and proofs, `reads` times.
  const repeated = { ...fixtures, reads: Array.from({ length: reads }, () => fixtures.reads[0]!) }
  const dir = await buildPage()
  const site = await serve(dir)
  const browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs] })
  try {
    const page = await browser.newPage()
    await page.goto(site.url)
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready')
    const results: Record<string, unknown> = {}
    const first = await firstCheckIn(page, fixtures.registry, warmupReads[0]!)
    results['bls_lazy_load_ms'] = first.loadMs.toFixed(1)
    results['bls_chunk_ms'] = first.chunkMs.toFixed(1)
    results['bls_setup_ms'] = first.setupMs.toFixed(1)
    results['prepare_ms'] = first.prepareMs.toFixed(1)
    results['first_check_ms'] = first.checkMs.toFixed(1)
    results['first_check_bls_ms'] = first.blsMs.toFixed(1)
    results['cold_ms'] = (first.loadMs + first.prepareMs + first.checkMs).toFixed(1)
    const outcomes: string[] = []
    const scenarios = [
      { name: 'fresh-root', input: { ...fixtures, warmupReads } },
      { name: 'repeat-read', input: { ...repeated, warmupReads } },
    ]
    for (const { name: mode, input } of scenarios) {
      const output: BenchOutput = await page.evaluate(
        (value) => window.runVerifyBench(value),
        input,
      )
      const sorted = [...output.timesMs].sort((a, b) => a - b)
      const bad = output.outcomes.filter((outcome) => !outcome.startsWith('v3/3'))
      if (bad.length > 0) throw new Error(`${bad.length} proofs did not verify 3 of 3 (${bad[0]})`)
      results[`${mode}_p50_ms`] = percentile(sorted, 50).toFixed(2)
      const bls = [...output.blsTimesMs].sort((a, b) => a - b)
      results[`${mode}_bls_p50_ms`] = percentile(bls, 50).toFixed(2)
      results[`${mode}_p99_ms`] = percentile(sorted, 99).toFixed(2)
      results[`${mode}_mean_ms`] = (sorted.reduce((a, b) => a + b, 0) / sorted.length).toFixed(2)
      // The fastest read is the least disturbed by other load on the machine.
      results[`${mode}_min_ms`] = (sorted[0] ?? Number.NaN).toFixed(2)
      outcomes.push(...output.outcomes)
    }
    Object.assign(
      results,
      await measureVisits(
        site.url,
        { ...fixtures, reads: fixtures.reads.slice(0, 50), warmupReads },
        warmupReads[0]!,
      ),
    )
    results['verified'] = `${outcomes.length} of ${outcomes.length} balances and orders 3/3`
    results['outcomes_hash'] = sha256(stringToBytes(outcomes.join('\n'))).slice(0, 18)
    printSummary(
      `browser-${reads}`,
      {
        ...environmentConfig(),
        browser: `${browser.version()} (${chromiumPath})`,
        reads,
        warmup,
        seed,
        replicas: 3,
        quorum: 2,
        balances_per_check: devnetTokens.length,
        open_orders_per_check: orders,
        goal: 'p50 <= 10 ms warm, cold <= 100 ms including the BLS module',
        load_average_1m: loadavg()[0]!.toFixed(2),
      },
      results,
    )
  } finally {
    await browser.close()
    site.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
