/**
 * Load on a real system, shared by `bench:replica` phase B and `bench:latency`: 4 Zellular node
 * processes and 3 replica processes on loopback, signed transfers POSTed at a fixed rate, and
 * each transfer's receipt watched on every replica's SSE stream. Times are `stageNow`
 * milliseconds, the clock the processes stamp their stages with.
 */
import { join } from 'node:path'
import { Agent, request } from 'node:http'
import type { StatusResponse } from '../shared/api/index.ts'
import { intentId, parseAddress, type WireIntent } from '../shared/intents/index.ts'
import { stageNow } from '../server/observability/stageClock.ts'
import { prepareReplicas, startReplicaCluster } from '../server/replica/setup.ts'
import { startLocalNetwork } from '../server/devnet/localNetwork.ts'
import type { benchAccounts } from './replicaApply.ts'
import { percentile } from './report.ts'

/**
 * The load generator's HTTP client: node:http with keep-alive, which costs the shared CPU far
 * less than `fetch` per request, leaving it to the system under test.
 */
// Idle sockets are dropped before the server's 5 s keep-alive timeout, so none is reused as it closes.
const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 })

export type BenchAccounts = ReturnType<typeof benchAccounts>

/** One GET (no body) or POST (JSON body) with the bench's keep-alive agent. */
export function call(url: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'Content-Type': 'application/json' }
    const outgoing = request(url, { method: body === undefined ? 'GET' : 'POST', agent, headers })
    outgoing.on('response', (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }))
      response.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** Starts 4 Zellular nodes and 3 replicas whose genesis funds `accounts` with USDT. */
export async function startBenchCluster(options: {
  readonly dir: string
  readonly accounts: BenchAccounts
  readonly zellularBasePort: number
  readonly replicaBasePort: number
  readonly zellularEnvironment?: Record<string, string>
  readonly replicaEnvironment?: Record<string, string>
  readonly nodeOptions?: readonly string[]
}) {
  const zellular = await startLocalNetwork({
    dir: join(options.dir, 'zellular'),
    basePort: options.zellularBasePort,
    apps: ['orderbook'],
    environment: options.zellularEnvironment ?? {},
    nodeOptions: options.nodeOptions ?? [],
  })
  const prepared = prepareReplicas({
    dir: join(options.dir, 'replicas'),
    count: 3,
    basePort: options.replicaBasePort,
    zellularNodesFile: zellular.layout.nodesFile,
    balances: options.accounts.map((account) => ({
      address: account.address,
      token: 'USDT',
      amount: '1000000',
    })),
  })
  /** The replicas' last lines, shown if they fail to start. */
  const lastLines: string[] = []
  const starting = startReplicaCluster(prepared, {
    // Every intent comes from 127.0.0.1: the per-IP submission limit is set out of the way
    // (explicitly, so the figures say what they measured); the given environment still wins.
    environment: {
      REPLICA_SUBMIT_RATE_PER_SECOND: '1000000',
      REPLICA_SUBMIT_BURST: '1000000',
      REPLICA_SIGNED_READ_RATE_PER_SECOND: '1000000',
      REPLICA_SIGNED_READ_BURST: '1000000',
      // Phase C signs each address's balance once: a cost measured, not capped.
      REPLICA_SIGNATURES_PER_SECOND: '1000000',
      REPLICA_SIGNATURES_BURST: '1000000',
      REPLICA_CONNECTIONS_PER_CLIENT_MAX: '1000000',
      ...options.replicaEnvironment,
    },
    nodeOptionsOf: () => options.nodeOptions ?? [],
    // The machine a benchmark runs on may be busy: slow starts are not what it measures.
    readyTimeoutMs: 120_000,
    onLine: (position, line) => {
      if (/FATAL|ERROR/.test(line)) console.error(`replica-${position + 1} ${line}`)
      lastLines.push(`replica-${position + 1} ${line}`)
      if (lastLines.length > 40) lastLines.shift()
    },
  })
  // Nodes left running by a failed start would hold the ports of the next run.
  const cluster = await starting.catch(async (error: unknown) => {
    console.error(lastLines.join('\n'))
    await zellular.stop()
    throw error
  })
  return { zellular, cluster }
}

/** What one run of `sendAtRate` measured, with each intent's send and receipt times. */
export interface RateRun {
  readonly summary: RateSummary
  /** Intent id → when its POST went out. */
  readonly sentAt: ReadonlyMap<string, number>
  /** Per replica: intent id → when its receipt came on that replica's SSE stream. */
  readonly seen: readonly ReadonlyMap<string, number>[]
  /** The replicas' applied index before the run. */
  readonly firstIndex: number
}

/** Counts and end-to-end percentiles of one `sendAtRate` run (ms). */
export interface RateSummary {
  readonly sent: number
  readonly offeredPerSecond: number
  readonly appliedOnAllReplicas: number
  readonly zellularBatches: number
  readonly transfersPerBatch: number
  /** Refused POSTs by status (or `network`), as JSON. */
  readonly refused: string
  readonly submitToAppliedAllP50Ms: number
  readonly submitToAppliedAllP99Ms: number
  readonly submitToAppliedFirstP50Ms: number
  readonly submitToAppliedFirstP99Ms: number
  readonly post202P50Ms: number
  readonly post202P99Ms: number
}

/**
 * POSTs `intents` at `rate` per second, open loop (each send at its due time whether or not the
 * earlier ones are answered), round-robin to the replicas, and times each from its POST to its
 * receipt on the SSE stream of every replica. `sampleLoad` is called as sending starts and ends.
 */
export async function sendAtRate(
  urls: string[],
  intents: readonly WireIntent[],
  rate: number,
  sampleLoad: () => void = () => {},
): Promise<RateRun> {
  const total = intents.length
  const ids = intents.map((intent) => intentIdOf(intent))
  const sentAt = new Map<string, number>()
  const seen = urls.map(() => new Map<string, number>())
  const appliedIndex = async () =>
    (JSON.parse((await call(`${urls[0]}/status`)).text) as StatusResponse).appliedIndex
  const firstIndex = await appliedIndex()
  const streams = urls.map((url, position) => followReceipts(url, seen[position]!))
  await Promise.all(streams.map((stream) => stream.ready))
  sampleLoad()
  const postLatencies: number[] = []
  const failures = new Map<string, number>()
  const fail = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1)
  const started = stageNow()
  const sends: Promise<void>[] = []
  for (let n = 0; n < total; n++) {
    const wait = started + (n * 1000) / rate - stageNow()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    const t0 = stageNow()
    sentAt.set(ids[n]!, t0)
    const post = call(`${urls[n % urls.length]}/transfer`, JSON.stringify(intents[n]))
    const done = (response: { status: number }) => {
      if (response.status === 202) postLatencies.push(stageNow() - t0)
      else fail(String(response.status))
    }
    sends.push(post.then(done, () => void fail('network')))
  }
  const sendSeconds = (stageNow() - started) / 1000
  await Promise.all(sends)
  sampleLoad()
  const expected = total - [...failures.values()].reduce((sum, count) => sum + count, 0)
  const deadline = performance.now() + 120_000
  while (performance.now() < deadline && seen.some((map) => map.size < expected)) {
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  for (const stream of streams) stream.close()
  // How full Zellular batches were: each costs the nodes the same whatever it carries.
  const batches = (await appliedIndex()) - firstIndex
  const slowest: number[] = []
  const fastest: number[] = []
  for (const [id, t0] of sentAt) {
    const times = seen.map((map) => map.get(id))
    if (times.some((time) => time === undefined)) continue
    slowest.push(Math.max(...(times as number[])) - t0)
    fastest.push(Math.min(...(times as number[])) - t0)
  }
  for (const list of [slowest, fastest, postLatencies]) list.sort((a, b) => a - b)
  const summary: RateSummary = {
    sent: total,
    offeredPerSecond: Math.round(total / sendSeconds),
    appliedOnAllReplicas: slowest.length,
    zellularBatches: batches,
    transfersPerBatch: Number((total / Math.max(1, batches)).toFixed(1)),
    refused: JSON.stringify(Object.fromEntries(failures)),
    submitToAppliedAllP50Ms: Math.round(percentile(slowest, 50)),
    submitToAppliedAllP99Ms: Math.round(percentile(slowest, 99)),
    submitToAppliedFirstP50Ms: Math.round(percentile(fastest, 50)),
    submitToAppliedFirstP99Ms: Math.round(percentile(fastest, 99)),
    post202P50Ms: Math.round(percentile(postLatencies, 50)),
    post202P99Ms: Math.round(percentile(postLatencies, 99)),
  }
  return { summary, sentAt, seen, firstIndex }
}

/** Each node's role (`sequencer`, `follower1`, …), URL and pid, then each replica's. */
export async function processRoles(
  zellular: { processes: readonly { url: string; child: { pid?: number | undefined } }[] },
  cluster: { processes: readonly { url: string; child: { pid?: number | undefined } }[] },
): Promise<{ name: string; url: string; pid: number | undefined; node: boolean }[]> {
  const roles = []
  let follower = 0
  for (const node of zellular.processes) {
    const state = JSON.parse((await call(`${node.url}/node/state`)).text) as {
      data: { sequencer: boolean }
    }
    const name = state.data.sequencer ? 'sequencer' : `follower${++follower}`
    roles.push({ name, url: node.url, pid: node.child.pid, node: true })
  }
  cluster.processes.forEach((replica, position) => {
    roles.push({
      name: `replica${position + 1}`,
      url: replica.url,
      pid: replica.child.pid,
      node: false,
    })
  })
  return roles
}

/** The pids of the sequencer, the follower nodes and the replicas, by role name. */
export async function processesByRole(
  zellular: Parameters<typeof processRoles>[0],
  cluster: Parameters<typeof processRoles>[1],
): Promise<Record<string, number | undefined>> {
  const roles = await processRoles(zellular, cluster)
  return Object.fromEntries(roles.map((role) => [role.name, role.pid]))
}

/** Waits until every replica has applied all Zellular finalized and nothing more comes. */
export async function drained(urls: string[]): Promise<void> {
  let previous = ''
  for (;;) {
    const statuses = await Promise.all(
      urls.map(async (url) => JSON.parse((await call(`${url}/status`)).text) as StatusResponse),
    )
    const key = statuses.map((status) => `${status.appliedIndex}/${status.lag}`).join(' ')
    if (key === previous && statuses.every((status) => (status.lag ?? 0) === 0)) return
    previous = key
    await new Promise((resolve) => setTimeout(resolve, 1_500))
  }
}

/** Follows a replica's SSE stream and records when each receipt arrives. */
export function followReceipts(url: string, seen: Map<string, number>) {
  const controller = new AbortController()
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (markReady = resolve))
  void (async () => {
    const response = await fetch(`${url}/events?types=receipt`, { signal: controller.signal })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    markReady()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let end = buffer.indexOf('\n\n')
      while (end >= 0) {
        const message = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (message.includes('event: receipt')) {
          const data = message.split('\n').find((line) => line.startsWith('data: '))
          if (data !== undefined) {
            const receipt = JSON.parse(data.slice(6)) as { intentId: string }
            if (!seen.has(receipt.intentId)) seen.set(receipt.intentId, stageNow())
          }
        }
        end = buffer.indexOf('\n\n')
      }
    }
  })().catch(() => markReady())
  return { ready, close: () => controller.abort() }
}

/** The intent id a replica answers for a transfer (the function the replicas use). */
export function intentIdOf(intent: {
  signer: string
  nonce: string
  app: string
  network: string
}) {
  const signer = parseAddress(intent.signer)
  if (!signer.ok) throw new Error('bad signer')
  const { app, network } = intent
  return intentId({ app, network, signer: signer.value, nonce: BigInt(intent.nonce) })
}
