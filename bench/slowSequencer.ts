import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startChaosCluster } from '../server/chaos/chaosCluster.ts'
import { finalizedIndex, sequencerOf, waitFor } from '../server/zellular/testing.ts'
import { BenchArguments } from './benchArguments.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'

/**
 * `npm run bench:slow-sequencer`: a sequencer that answers but whose calls to its followers are
 * delayed `--delay` ms each way (the chaos suite's link fault: its sign requests and their answers
 * arrive late, so every round misses the 2 s aggregation timeout and nothing finalizes). Under a
 * steady load of raw batches sent to the followers, times how long from the fault until a
 * follower finalizes again, heals after `--hold` s, and repeats. The 4 nodes and their links are
 * the chaos suite's (`startChaosCluster`; its replicas only read).
 */
const args = new BenchArguments(process.argv.slice(2))
const rounds = args.number('rounds', 3, { integer: true, min: 1 })
const delayMs = args.number('delay', 1_100, { integer: true, min: 0 })
const holdSeconds = args.number('hold', 14, { min: 1 })
const batchesPerSecond = args.number('rate', 10, { min: 1 })
const basePort = args.number('port', 23_000, { integer: true })
args.finish()
const APP = 'orderbook'

const cluster = await startChaosCluster({
  dir: mkdtempSync(join(tmpdir(), 'slow-sequencer-bench-')),
  basePort,
  accounts: 2,
})
const urls = cluster.nodes.urls()
const nameOf = async (url: string) => {
  const id = (await sequencerOf(url)).toLowerCase()
  const position = (await Promise.all(urls.map((u) => nodeIdOf(u)))).indexOf(id)
  return cluster.nodeNames[position]!
}
let running = true
try {
  let sent = 0
  const load = (async () => {
    while (running) {
      const url = urls[sent % urls.length]!
      await fetch(`${url}/node/${APP}/batches`, {
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain' },
        body: `slow-sequencer bench ${sent++}`,
      }).catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 1000 / batchesPerSecond))
    }
  })()
  const recoveries: number[] = []
  for (let round = 0; round < rounds; round++) {
    await waitFor(async () => new Set(await Promise.all(urls.map(sequencerOf))).size === 1, 60_000)
    const sequencer = await nameOf(urls[0]!)
    const watcher = urls[cluster.nodeNames.findIndex((name) => name !== sequencer)]!
    const startedAt = performance.now()
    const before = await finalizedIndex(watcher, APP)
    cluster.mesh.setFaults(
      (link) => link.from === sequencer && cluster.nodeNames.includes(link.to),
      { kind: 'delay', ms: delayMs },
    )
    // Past what was on its way when the fault came: a round trip of the slowed links.
    let recoveredMs: number | undefined
    let last = before
    while (performance.now() - startedAt < holdSeconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      const index = await finalizedIndex(watcher, APP).catch(() => last)
      const at = performance.now() - startedAt
      if (index > last && at > 2 * delayMs && recoveredMs === undefined) recoveredMs = at
      last = index
    }
    cluster.mesh.healAll()
    const ms = Math.round(recoveredMs ?? holdSeconds * 1000)
    recoveries.push(ms)
    process.stderr.write(`round ${round + 1}: ${sequencer} slowed, finalizing again at ${ms} ms\n`)
  }
  running = false
  await load
  const sorted = [...recoveries].sort((a, b) => a - b)
  printSummary(
    `slow-sequencer-${rounds}x${delayMs}ms`,
    {
      nodes: 4,
      delayMsEachWay: delayMs,
      holdSeconds,
      loadBatchesPerSecond: batchesPerSecond,
      timeouts: 'aggregation 2 s, silence border 3 s, finalization border 10 s',
      ...environmentConfig(),
    },
    {
      'fault → finalizing again p50 ms': percentile(sorted, 50),
      'max ms': sorted.at(-1),
      all: recoveries.join(', '),
    },
  )
} finally {
  running = false
  await cluster.stop()
  await cluster.mesh.close()
}

/** A node's id, which is its address (`/node/state`). */
async function nodeIdOf(url: string): Promise<string> {
  const response = await fetch(`${url}/node/state`, { signal: AbortSignal.timeout(2_000) })
  return ((await response.json()) as { data: { address: string } }).data.address.toLowerCase()
}
