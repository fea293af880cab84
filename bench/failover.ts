import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initZellular, loadNetwork, ZellularClient } from '../shared/zellular/index.ts'
import { startLocalNetwork } from '../server/devnet/localNetwork.ts'
import { finalizedIndex, sequencerOf, waitFor } from '../server/zellular/testing.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

/**
 * `npm run bench:failover`: under a steady load, kill -9 the current sequencer, time how long
 * until a surviving node finalizes a batch under a new sequencer, restart the dead node (it
 * rejoins as a follower) and repeat. Reports p50/p99 of kill → next finalization. `--pause`:
 * SIGSTOP the sequencer instead (a hung or cut-off node: its connections stay open and say
 * nothing, where a dead one's are refused at once), and SIGCONT it once a survivor finalized.
 */
const args = new BenchArguments(process.argv.slice(2))
const kills = args.number('kills', 10, { integer: true, min: 1 })
const batchesPerSecond = args.number('rate', 200)
/** The first node's port; the others follow it. */
const basePort = args.number('port', 17_501, { integer: true })
const pause = args.flag('pause')
args.finish()
const fault = pause ? 'pause' : 'kill'
const APP = 'bench'

await initZellular()
const network = await startLocalNetwork({
  dir: mkdtempSync(join(tmpdir(), 'zellular-failover-bench-')),
  basePort,
  apps: [APP],
})
const urls = network.urls()
const positionOf = (id: string) => network.layout.nodes.findIndex((node) => node.id === id)
let running = true
try {
  for (const url of urls) await waitFor(async () => (await fetch(`${url}/node/ready`)).ok)
  const client = new ZellularClient({
    app: APP,
    network: await loadNetwork(network.layout.nodesFile, 67),
    timeoutMs: 2_000,
  })
  const load = (async () => {
    for (let n = 0; running; n++) {
      await client.send(JSON.stringify([{ n }])).catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 1000 / batchesPerSecond))
    }
  })()

  const takeovers: number[] = []
  for (let round = 0; round < kills; round++) {
    const survivor = async () => {
      for (const url of urls) {
        try {
          return { url, sequencer: await sequencerOf(url) }
        } catch {
          // that node is down
        }
      }
      throw new Error('no node answers')
    }
    const { sequencer } = await survivor()
    const victim = positionOf(sequencer)
    const watchers = urls.filter((_, position) => position !== victim)
    const before = Math.max(...(await Promise.all(watchers.map((u) => finalizedIndex(u, APP)))))
    const killedAt = performance.now()
    if (pause) network.processes[victim]!.child.kill('SIGSTOP')
    else await network.kill(victim, 'SIGKILL')
    // The first finalization under a new sequencer: one the victim already had on its way (its
    // answers to the followers' PUTs) may land just after the pause, and is not a takeover.
    const finalized = async () =>
      Math.max(...(await Promise.all(watchers.map((u) => finalizedIndex(u, APP)))))
    let atSwitch: number | undefined
    await waitFor(
      async () => {
        if (atSwitch === undefined) {
          const sequencers = await Promise.all(watchers.map(sequencerOf))
          if (sequencers.every((id) => id === sequencer)) return false
          atSwitch = Math.max(before, await finalized())
        }
        return (await finalized()) > atSwitch
      },
      60_000,
      20,
    )
    const takeoverMs = Math.round(performance.now() - killedAt)
    takeovers.push(takeoverMs)
    process.stderr.write(
      `${fault} ${round + 1}: node-${victim + 1}, next finalization ${takeoverMs} ms\n`,
    )
    if (pause) network.processes[victim]!.child.kill('SIGCONT')
    else await network.restart(victim)
    await waitFor(async () => (await fetch(`${urls[victim]}/node/ready`)).ok, 60_000)
    // Every node follows one sequencer again before the next round.
    await waitFor(async () => new Set(await Promise.all(urls.map(sequencerOf))).size === 1, 60_000)
  }
  running = false
  await load
  const sorted = [...takeovers].sort((a, b) => a - b)
  printSummary(
    `failover-4nodes-${kills}${fault}s`,
    {
      nodes: 4,
      threshold: '67%',
      [`${fault}s`]: kills,
      loadBatchesPerSecond: batchesPerSecond,
      timeouts: 'aggregation 2 s, setup deadline 1 s, finalization border 10 s',
      ...environmentConfig(),
    },
    {
      [`${fault} → next finalization p50 ms`]: percentile(sorted, 50),
      [`${fault} → next finalization p99 ms`]: percentile(sorted, 99),
      'max ms': sorted.at(-1),
      all: takeovers.join(', '),
    },
  )
} finally {
  running = false
  await network.stop()
}
