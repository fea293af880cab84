import { readFileSync } from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startLocalNetwork, type LocalNetwork } from '../server/devnet/localNetwork.ts'
import { waitFor } from '../server/zellular/testing.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'

/**
 * `npm run bench:zellular`: the 4-node local network under an open-loop load. Every tick the
 * generator sends the batches that are due at the fixed rate (bulk PUT to the nodes in turn,
 * whether or not earlier ones are done), and a reader follows one node's finalized stream. Each
 * batch carries its send time, so latency is submit → visible as finalized.
 */
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '50000,25000' },
    seconds: { type: 'string', default: '30' },
    'tx-bytes': { type: 'string', default: '100' },
    'tx-per-batch': { type: 'string', default: '45' },
    'warmup-seconds': { type: 'string', default: '5' },
  },
})
const rates = values.rates.split(',').map(Number)
const seconds = Number(values.seconds)
const txBytes = Number(values['tx-bytes'])
const txPerBatch = Number(values['tx-per-batch'])
const warmupSeconds = Number(values['warmup-seconds'])
const APP = 'bench'
const TICK_MS = 20

interface Run {
  offeredTxPerSecond: number
  finalizedTxPerSecond: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  lostBatches: number
  /** Measured batches never seen finalized (counted as lost too). */
  unmeasured: number
  cpuPercentByNode: number[]
}

function makeBatch(id: number, sentAt: number): string {
  const pad = 'x'.repeat(Math.max(0, txBytes - 40))
  const txs = Array.from({ length: txPerBatch }, (_, i) => ({ id: `${id}-${i}`, t: sentAt, pad }))
  return JSON.stringify(txs)
}

/** utime + stime of a process, in clock ticks (1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12])
}

async function runAtRate(network: LocalNetwork, rate: number, startAfter: number): Promise<Run> {
  const urls = network.urls()
  const batchesPerSecond = rate / txPerBatch
  const latencies: number[] = []
  const sentAt = new Map<number, number>()
  let nextId = startAfter
  let finalizedTx = 0
  /** Only batches sent after the warm-up count for latency; only arrivals in the window count. */
  let measuring = false
  let windowOpen = false
  const measured = new Set<number>()
  let stopReading = false
  let readerIndex = startAfter
  const reader = urls[1]!
  const readLoop = (async () => {
    while (!stopReading) {
      const response = await fetch(`${reader}/node/${APP}/batches/finalized?after=${readerIndex}`)
      const page = (await response.json()) as { data: { batches: string[] } | null }
      if (!page.data) {
        await new Promise((resolve) => setTimeout(resolve, 10))
        continue
      }
      const now = performance.now()
      for (const body of page.data.batches) {
        readerIndex++
        const first = (JSON.parse(body) as { id: string }[])[0]!
        const id = Number(first.id.split('-')[0])
        const sent = sentAt.get(id)
        if (sent !== undefined) {
          if (measured.delete(id)) latencies.push(now - sent)
          sentAt.delete(id)
          if (windowOpen) finalizedTx += txPerBatch
        }
      }
    }
  })()

  const pids = network.processes.map((process) => process.child.pid!)
  let cpuBefore = pids.map(cpuTicks)
  const started = performance.now()
  let windowStarted = started
  let due = 0
  let target = 0
  const inFlight: Promise<unknown>[] = []
  const progress = setInterval(() => {
    process.stderr.write(
      `t=${Math.round(performance.now() - started)}ms sent=${nextId - startAfter} read=${readerIndex - startAfter}\n`,
    )
  }, 1000)
  while (performance.now() - started < (warmupSeconds + seconds) * 1000) {
    const elapsed = (performance.now() - started) / 1000
    if (!measuring && elapsed >= warmupSeconds) {
      measuring = windowOpen = true
      windowStarted = performance.now()
      cpuBefore = pids.map(cpuTicks)
    }
    due = Math.floor(elapsed * batchesPerSecond) - target
    if (due > 0) {
      const bodies: string[] = []
      const now = performance.now()
      for (let i = 0; i < due; i++) {
        sentAt.set(nextId, now)
        if (measuring) measured.add(nextId)
        bodies.push(makeBatch(nextId++, now))
      }
      target += due
      const url = urls[(target % (urls.length - 1)) + 1]!
      inFlight.push(
        fetch(`${url}/node/batches`, {
          method: 'PUT',
          body: JSON.stringify({ [APP]: bodies }),
          headers: { 'Content-Type': 'application/json' },
        }).then((response) => {
          if (!response.ok) throw new Error(`bulk PUT ${response.status}`)
        }),
      )
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS))
  }
  clearInterval(progress)
  const window = (performance.now() - windowStarted) / 1000
  windowOpen = false
  const finalizedInWindow = finalizedTx
  const cpuAfter = pids.map(cpuTicks)
  await Promise.all(inFlight)
  // Drain: everything sent must finalize; what does not within 30 s counts as lost.
  await waitFor(() => sentAt.size === 0, 30_000).catch(() => undefined)
  stopReading = true
  await readLoop
  latencies.sort((a, b) => a - b)
  return {
    offeredTxPerSecond: rate,
    finalizedTxPerSecond: Math.round(finalizedInWindow / window),
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    maxMs: Math.round(latencies.at(-1) ?? Number.NaN),
    lostBatches: sentAt.size,
    unmeasured: measured.size,
    cpuPercentByNode: cpuAfter.map((after, i) => Math.round((after - cpuBefore[i]!) / window)),
  }
}

const network = await startLocalNetwork({
  dir: mkdtempSync(join(tmpdir(), 'zellular-bench-')),
  basePort: 17201,
  apps: [APP],
  onLine: (position, line) => {
    if (/WARN|ERROR/.test(line)) process.stderr.write(`node-${position + 1} ${line}\n`)
  },
})
try {
  for (const url of network.urls()) {
    await waitFor(async () => (await fetch(`${url}/node/ready`)).ok)
  }
  const results: Record<string, string> = {}
  let sentSoFar = 0
  for (const rate of rates) {
    const run = await runAtRate(network, rate, sentSoFar)
    sentSoFar = Number.MAX_SAFE_INTEGER // ids only need to be unique per run's map
    const state = (await (await fetch(`${network.urls()[1]}/node/state`)).json()) as {
      data: { apps: Record<string, { last_finalized_index: number }> }
    }
    sentSoFar = state.data.apps[APP]!.last_finalized_index
    results[`offered ${rate} tx/s`] =
      `finalized ${run.finalizedTxPerSecond} tx/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
      `max ${run.maxMs} ms, lost ${run.lostBatches} batches, ` +
      `CPU % per node [${run.cpuPercentByNode.join(', ')}]`
  }
  printSummary(
    `zellular-4nodes-${rates.join('_')}`,
    {
      nodes: 4,
      threshold: '67%',
      loops: '50 ms',
      seconds,
      warmupSeconds,
      txBytes,
      txPerBatch,
      batchBytes: makeBatch(0, 0).length,
      generator: `open loop, bulk PUT every ${TICK_MS} ms to the 3 followers in turn`,
      reader: 'one client following node-2 finalized pages',
      ...environmentConfig(),
    },
    results,
  )
} finally {
  await network.stop()
}
