/**
 * Large honest appends on one Zellular node (`npm run bench:large-appends`): what a node's event
 * loop pays for a long run of batches, a follower catching up or a sequencer taking a PUT at the
 * caps, while its rounds, its peers and its clients wait for the next turn.
 *
 *   npm run bench:large-appends               # 300,000 batches; 9 PUTs at the caps
 *   npm run bench:large-appends -- --smoke    # seconds, for a quick check
 *
 * - `stamp<N>Ms`: `BatchStages.sequenced` of N bodies of ~100 bytes in one call (the latency
 *   waterfall's stamps), and `stampCallsOf100Ms` the same in calls of 100 each.
 * - `append<N>Ms`: `chain.append` of those N bodies on a test node (hashing, the log, stamps).
 * - `putTurnMs` / `putTurnCpuMs`: a sequencer on 127.0.0.1 takes a follower's signed PUT of
 *   10,000 batches, ~8 MB (the caps); the longest turn of its event loop while it does, wall
 *   and CPU time (`process.cpuUsage`), median of the PUTs. The request is built before the
 *   clock starts, so the turns measured are the node's own work.
 *
 * NOTE: the SUMMARY block and the JSON line are read by `bench/largeAppends.test.ts`.
 */
import { request } from 'node:http'
import { loadavg } from 'node:os'
import { initZellular } from '../shared/zellular/index.ts'
import { listenHttp } from '../server/listenHttp.ts'
import { PeerClient } from '../server/zellular/peers.ts'
import { BatchStages } from '../server/zellular/batchStages.ts'
import { createNodeApp } from '../server/zellular/routes.ts'
import { emptyLogPut, makeTestNode } from '../server/zellular/testNodes.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'

const smoke = process.argv.includes('--smoke')
const BODIES = smoke ? 60_000 : 300_000
const PUTS = smoke ? 2 : 9
const PUT_BATCHES = smoke ? 1_000 : 10_000
const PORT = 17_990

await initZellular()
const bodies = Array.from({ length: BODIES }, (_, n) =>
  JSON.stringify({ n, pad: 'x'.repeat(90) }).slice(0, 100),
)

/** Milliseconds `work` takes, wall clock (it runs in one turn). */
function timed(work: () => void): number {
  const started = performance.now()
  work()
  return performance.now() - started
}

const stampOnce = timed(() => new BatchStages().sequenced('a', 0, bodies))
const stages = new BatchStages()
const stampCalls = timed(() => {
  for (let from = 0; from < BODIES; from += 100) {
    stages.sequenced('a', from, bodies.slice(from, from + 100))
  }
})
const appending = makeTestNode({ position: 1 }).node
const append = timed(() => appending.chain.append('a', bodies, 1_700_000_000_000))
appending.close()

const turns = await putTurns()
const results = {
  [`stamp${BODIES}Ms`]: Math.round(stampOnce * 10) / 10,
  stampCallsOf100Ms: Math.round(stampCalls * 10) / 10,
  [`append${BODIES}Ms`]: Math.round(append),
  putTurnMs: Math.round(percentile(turns.wall.sort(byValue), 50) * 10) / 10,
  putTurnCpuMs: Math.round(percentile(turns.cpu.sort(byValue), 50) * 10) / 10,
}
const config = {
  ...environmentConfig(),
  smoke,
  bodies: BODIES,
  puts: PUTS,
  putBatches: PUT_BATCHES,
  loadAverage1m: loadavg()[0]!.toFixed(1),
}
printSummary('large-appends', config, results)

function byValue(a: number, b: number): number {
  return a - b
}

/** The longest event-loop turn, wall and CPU, of a sequencer taking each of `PUTS` PUTs. */
async function putTurns(): Promise<{ wall: number[]; cpu: number[] }> {
  // The receive budget raised: at the defaults an 8 MB PUT is refused (429) before its hashing.
  const config = { bandwidthKbPerWindow: 1_000_000 }
  const { node, ids, secrets } = makeTestNode({ position: 0, config })
  const client = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', node.context.network)
  const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', PORT)
  const wall: number[] = []
  const cpu: number[] = []
  try {
    for (let put = 0; put < PUTS; put++) {
      const batches = Array.from({ length: PUT_BATCHES }, (_, n) =>
        JSON.stringify({ put, n, pad: 'abcdefghij'.repeat(78) }),
      )
      const sequenced = node.logs.get('a').lastSequenced
      const body = JSON.stringify(emptyLogPut(batches, { sequenced_index: sequenced }))
      const headers = client.signedHeaders('PUT', ids[0]!, '/sequencer/batches', body)
      const longest = await longestTurnDuring(() => sendPut(Buffer.from(body), headers))
      wall.push(longest.wall)
      cpu.push(longest.cpu)
    }
  } finally {
    server.close()
    node.close()
  }
  return { wall, cpu }
}

/** Sends one PUT to the sequencer; resolves with its status once the answer is read. */
function sendPut(payload: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const put = request(
      {
        host: '127.0.0.1',
        port: PORT,
        path: '/sequencer/batches',
        method: 'PUT',
        headers: { ...headers, 'Content-Length': payload.length },
      },
      (response) => {
        response.resume()
        response.on('end', () =>
          response.statusCode === 200
            ? resolve(200)
            : reject(new Error(`PUT answered ${response.statusCode}`)),
        )
      },
    )
    put.on('error', reject)
    put.end(payload)
  })
}

/** The longest turn of the event loop, wall and CPU milliseconds, while `work` runs. */
async function longestTurnDuring(work: () => Promise<unknown>) {
  let watching = true
  let wall = 0
  let cpu = 0
  let lastAt = performance.now()
  let lastCpu = process.cpuUsage()
  const tick = () => {
    const spent = process.cpuUsage(lastCpu)
    cpu = Math.max(cpu, (spent.user + spent.system) / 1_000)
    wall = Math.max(wall, performance.now() - lastAt)
    lastAt = performance.now()
    lastCpu = process.cpuUsage()
    if (watching) setImmediate(tick)
  }
  setImmediate(tick)
  try {
    await work()
  } finally {
    watching = false
  }
  return { wall, cpu }
}
