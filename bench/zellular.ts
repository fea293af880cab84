import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLocalNetwork } from '../server/devnet/localNetwork.ts'
import { waitFor } from '../server/zellular/testing.ts'
import { environmentConfig, printSummary } from './report.ts'
import { makeBatch, runOpenLoop, TICK_MS } from './zellularLoad.ts'
import { BenchArguments } from './benchArguments.ts'

/**
 * `npm run bench:zellular`: the 4-node local network under an open-loop load. Every tick the
 * generator sends the batches that are due at the fixed rate (bulk PUT to the nodes in turn,
 * whether or not earlier ones are done), and a reader follows one node's finalized stream. Each
 * batch carries its send time, so latency is submit → visible as finalized.
 */
const args = new BenchArguments(process.argv.slice(2))
const rates = args.numbers('rates', [50_000, 25_000])
const seconds = args.number('seconds', 30)
const txBytes = args.number('tx-bytes', 100, { integer: true, min: 1 })
const txPerBatch = args.number('tx-per-batch', 45, { integer: true, min: 1 })
const warmupSeconds = args.number('warmup-seconds', 5)
args.finish()
const APP = 'bench'

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
    const run = await runOpenLoop(network, {
      app: APP,
      rate,
      seconds,
      warmupSeconds,
      txBytes,
      txPerBatch,
      senders: [1, 2, 3],
      reader: 1,
      startAfter: sentSoFar,
      onProgress: (line) => process.stderr.write(`${line}\n`),
    })
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
      batchBytes: makeBatch(0, 0, txBytes, txPerBatch).length,
      generator: `open loop, bulk PUT every ${TICK_MS} ms to the 3 followers in turn`,
      reader: 'one client following node-2 finalized pages',
      ...environmentConfig(),
    },
    results,
  )
} finally {
  await network.stop()
}
