/**
 * CPU per operation (`npm run bench:operations`): the steps a transfer or a Zellular round costs
 * in the system's processes, each timed alone in this one process (`process.cpuUsage`, user +
 * system; nothing here runs in another thread), so the figures do not depend on how many cores
 * there are, nor, but for the cache and scheduler effects `--busy` shows, on what else runs.
 * `bench:latency` shows their sum in a live cluster, where they cannot be told apart; this is
 * where each is measured.
 *
 *   npm run bench:operations                 # every operation, 5 rounds each
 *   npm run bench:operations -- --smoke      # seconds, for a quick check
 *   npm run bench:operations -- --rounds=9
 *   npm run bench:operations -- --busy=3     # with 3 processes competing for the cores
 *
 * Per transfer (a replica): `intakeParse` (JSON.parse and `parseIntent` of a POSTed transfer),
 * `readCompactItem` and `readJsonItem` (JSON.parse and `parseBatchItem` of one batch item in
 * each `REPLICA_BATCH_ENCODING`, without the signature check),
 * `signerRecovery` (its text rebuilt, EIP-191 hash, libsecp256k1 recovery: `verifyIntent`),
 * `prepareCompact` and `prepareJson` (`prepareBatch` per intent of a 5 KB batch of transfers in
 * each `REPLICA_BATCH_ENCODING`, recovery included). Per round: `bn254Sign` (a node signs a sync
 * point), `bn254VerifyPreparedKey` and `bn254VerifyFreshKey` (a proof checked under a key with
 * precomputed Miller-loop lines, as the nodes keep for their committee and the last nonsigner
 * sets, and under a key without them), `bls12381SignRoot` (a replica signs a root attestation).
 * Per request (client and server both in this process, 127.0.0.1, kept-alive connection, a
 * 200-byte PUT answered with a small JSON): `httpNodeHttp` (`httpCall`, what the processes use
 * between themselves) and `httpFetch` (undici's `fetch`, what the browser SDK uses).
 *
 * With `--busy=N`, N other processes keep the cores busy meanwhile, each sweeping 32 MB of
 * memory, as the system's 7 processes do to each other on this 2-core machine: what each step
 * costs in CPU time when it shares the cores and the caches.
 *
 * Each operation: a warm-up, then `--rounds` rounds of a fixed count, taken in turn with the
 * other operations' rounds; the median round's µs of CPU per operation is reported
 * (`<name>CpuMicros`), the best round's (`<name>BestCpuMicros`: this VM has slower spells, which
 * the best round misses) and the spread of the rounds (`<name>SpreadPercent`: (max − min) /
 * median).
 *
 * NOTE: the SUMMARY block and the JSON line are read by `bench/operations.test.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadavg } from 'node:os'
import { signRootAttestation } from '../shared/attest/index.ts'
import { devnetTokens, prepareBatch } from '../shared/exchange/index.ts'
import { signIntent, testAccount, testDomain } from '../shared/exchange/testing.ts'
import {
  createTokenRegistry,
  defaultSignerBackend,
  initKeccak,
  parseBatchItem,
  parseIntent,
  toBatchItem,
  verifyIntent,
  type SignedIntent,
  type WireIntent,
} from '../shared/intents/index.ts'
import { bls, initZellular } from '../shared/zellular/index.ts'
import { httpCall } from '../server/http/httpCall.ts'
import { packBatches } from './applyHarness.ts'
import { environmentConfig, printSummary } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

const args = new BenchArguments(process.argv.slice(2))
const smoke = args.smoke
const rounds = args.number('rounds', smoke ? 2 : 5, { integer: true, min: 1 })
/** Operations per round are scaled down this much in a smoke run. */
const scale = smoke ? 20 : 1
const busy = args.number('busy', 0, { integer: true })
args.finish()

/** One operation to time: `run` does it once (synchronously) or `runAsync` does. */
interface Operation {
  readonly name: string
  /** Operations per round (before the smoke scale). */
  readonly count: number
  readonly run?: (n: number) => void
  readonly runAsync?: (n: number) => Promise<void>
  /** Operations one call of `run` stands for (e.g. the intents of a batch). */
  readonly per?: number
}

await Promise.all([initKeccak(), initZellular()])
const tokens = createTokenRegistry([...devnetTokens])
const backend = defaultSignerBackend
const alice = testAccount(2)
const bob = testAccount(3)

const wires: WireIntent[] = Array.from({ length: 512 }, (_, n) =>
  signIntent(alice, tokens, {
    action: 'transfer',
    nonce: String(1_733_456_789_000 + n),
    to: bob.address,
    token: 'USDT',
    amount: '12.5',
  }),
)
const posted = wires.map((wire) => JSON.stringify(wire))
const signed: SignedIntent[] = wires.map((wire) => {
  const parsed = parseIntent(wire, tokens)
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.value
})
const compactItems = signed.map((intent) => toBatchItem(intent, 'compact'))
const jsonItems = signed.map((intent) => toBatchItem(intent, 'json'))
const compactBatch = packBatches(compactItems, 5_000)[0]!
const jsonBatch = packBatches(jsonItems, 5_000)[0]!
const intentsIn = (body: string) => (JSON.parse(body) as unknown[]).length

const nodeKey = bls.secretKeyFromBigInt(123_456_789n)
const nodePublicKey = bls.publicKeyOf(nodeKey)
const preparedKey = bls.preparePublicKey(bls.publicKeyOf(nodeKey))
const syncPoint = (n: number) =>
  `{"app":"orderbook","index":${n},"chaining_hash":"0x${'ab'.repeat(32)}"}`
const message = syncPoint(1)
const signature = bls.sign(nodeKey, message)

const replicaKey = new Uint8Array(32).fill(7)
const rootAt = (index: number) => ({
  ...testDomain,
  registryHash: `0x${'11'.repeat(32)}`,
  replicaId: 'replica-1',
  index,
  chainingHash: 'ab'.repeat(16),
  time: 1_733_456_789_000 + index,
  stateHash: `0x${'22'.repeat(32)}`,
})

const server = await startAnsweringServer()
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/node/orderbook/batches`
const putBody = 'x'.repeat(200)

const operations: Operation[] = [
  {
    name: 'intakeParse',
    count: 20_000,
    run: (n) => void parseIntent(JSON.parse(posted[n % posted.length]!), tokens),
  },
  {
    name: 'readCompactItem',
    count: 20_000,
    run: (n) =>
      void parseBatchItem(JSON.parse(compactItems[n % compactItems.length]!), tokens, testDomain),
  },
  {
    name: 'readJsonItem',
    count: 20_000,
    run: (n) =>
      void parseBatchItem(JSON.parse(jsonItems[n % jsonItems.length]!), tokens, testDomain),
  },
  {
    name: 'signerRecovery',
    count: 2_000,
    run: (n) => void verifyIntent(signed[n % signed.length]!, testDomain, backend),
  },
  {
    name: 'prepareCompact',
    count: 100,
    per: intentsIn(compactBatch),
    run: () =>
      void prepareBatch(compactBatch, { tokens, domain: testDomain, signerBackend: backend }),
  },
  {
    name: 'prepareJson',
    count: 100,
    per: intentsIn(jsonBatch),
    run: () => void prepareBatch(jsonBatch, { tokens, domain: testDomain, signerBackend: backend }),
  },
  { name: 'bn254Sign', count: 400, run: (n) => void bls.sign(nodeKey, syncPoint(n)) },
  {
    name: 'bn254VerifyPreparedKey',
    count: 100,
    run: () => void check(bls.verify(signature, preparedKey, message)),
  },
  {
    name: 'bn254VerifyFreshKey',
    count: 100,
    // A key object of its own each time, as a nonsigner set's aggregate without kept lines.
    run: () => void check(bls.verify(signature, bls.aggregatePublicKeys([nodePublicKey]), message)),
  },
  {
    name: 'bls12381SignRoot',
    count: 200,
    run: (n) => void signRootAttestation(replicaKey, rootAt(n)),
  },
  {
    name: 'httpNodeHttp',
    count: 2_000,
    runAsync: async () => {
      const answer = await httpCall({ method: 'PUT', url, body: putBody, maxBytes: 10_000 })
      check(answer.status === 200)
    },
  },
  {
    name: 'httpFetch',
    count: 2_000,
    runAsync: async () => {
      const response = await fetch(url, { method: 'PUT', body: putBody })
      check(response.status === 200 && (await response.text()).length > 0)
    },
  },
]

const config: Record<string, unknown> = { ...environmentConfig(), smoke, rounds }
const results: Record<string, unknown> = {}
config.busy = busy
config.loadAverage1mBefore = loadavg()[0]?.toFixed(2)
const neighbours = Array.from({ length: busy }, startBusyNeighbour)
const countOf = (operation: Operation) => Math.max(1, Math.floor(operation.count / scale))
for (const operation of operations) await timeRound(operation, Math.ceil(countOf(operation) / 4))
// Round-robin: each round times every operation once, so a slower spell of this shared VM
// falls on all of them, not on the few that happened to run through it.
const timings = operations.map((): number[] => [])
for (let round = 0; round < rounds; round++) {
  for (const [position, operation] of operations.entries()) {
    timings[position]!.push(await timeRound(operation, countOf(operation)))
  }
}
for (const [position, operation] of operations.entries()) {
  const perOperation = timings[position]!.sort((a, b) => a - b)
  const median = perOperation[Math.floor(perOperation.length / 2)]!
  const spread = ((perOperation.at(-1)! - perOperation[0]!) / median) * 100
  const best = perOperation[0]!
  results[`${operation.name}CpuMicros`] = Number(median.toFixed(median < 10 ? 2 : 1))
  results[`${operation.name}BestCpuMicros`] = Number(best.toFixed(best < 10 ? 2 : 1))
  results[`${operation.name}SpreadPercent`] = Math.round(spread)
  console.log(
    `${operation.name.padEnd(24)} ${median.toFixed(1).padStart(8)} µs CPU per operation, ` +
      `best ${best.toFixed(1)} ` +
      `(rounds ${perOperation.map((value) => value.toFixed(1)).join(', ')})`,
  )
}
results.prepareIntentsPerBatchCompact = intentsIn(compactBatch)
results.prepareIntentsPerBatchJson = intentsIn(jsonBatch)
config.loadAverage1mAfter = loadavg()[0]?.toFixed(2)
server.close()
for (const neighbour of neighbours) neighbour.kill()
printSummary(`operations${smoke ? '-smoke' : ''}`, config, results)
process.exit(0)

/** µs of CPU per operation over `count` runs of `operation`. */
async function timeRound(operation: Operation, count: number): Promise<number> {
  const started = process.cpuUsage()
  for (let n = 0; n < count; n++) {
    if (operation.run !== undefined) operation.run(n)
    else await operation.runAsync!(n)
  }
  const used = process.cpuUsage(started)
  return (used.user + used.system) / (count * (operation.per ?? 1))
}

/**
 * A process that keeps a core busy sweeping 32 MB, as the cluster's other processes compete for
 * the cores and the caches (`--busy=N`); killed at the end, and with this process.
 */
function startBusyNeighbour(): ChildProcess {
  // One sweep per turn of its event loop, so its check of the parent can run.
  const program = `
    const parent = ${process.pid}
    setInterval(() => { if (process.ppid !== parent) process.exit() }, 1000)
    const memory = new Float64Array(1 << 22)
    let x = 0
    const sweep = () => {
      for (let i = 0; i < memory.length; i += 16) memory[i] += x++
      setImmediate(sweep)
    }
    sweep()`
  return spawn(process.execPath, ['-e', program], { stdio: 'ignore' })
}

function check(condition: boolean): void {
  if (!condition) throw new Error('an operation gave a wrong answer')
}

/** A node-like endpoint: reads the body, answers a small JSON. */
function startAnsweringServer(): Promise<Server> {
  const answering = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end('{"status":"success","data":null}')
    })
  })
  answering.keepAliveTimeout = 60_000
  return new Promise((resolve) => answering.listen(0, '127.0.0.1', () => resolve(answering)))
}
