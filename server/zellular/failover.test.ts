import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  bls,
  disputeMessage,
  initZellular,
  loadNetwork,
  ZellularClient,
} from '../../shared/zellular/index.ts'
import { startLocalNetwork, type LocalNetwork } from '../devnet/localNetwork.ts'
import type { ZellularLayout } from '../devnet/zellularNetwork.ts'
import { PeerClient } from './peers.ts'
import { finalizedBodies, finalizedIndex, sequencerOf, waitFor } from './testing.ts'

const APP = 'simple_app'
let network: LocalNetwork | undefined
let basePort = 16300

beforeAll(() => initZellular())
afterEach(async (context) => {
  if (context.task.result?.state === 'fail')
    console.log(lines.filter((l) => /WARN|ERROR|SWITCH/.test(l)).join('\n'))
  await network?.stop()
  network = undefined
})

const lines: string[] = []
const none: Record<string, string> = {}

/**
 * A network whose sequencer never locks or finalizes, with this finalization border (s): a batch
 * put to node 2 is final once node 2 follows the next sequencer, within `switchWithinMs`.
 */
async function batchFinalAfterStopFinalizing(borderSeconds: string, switchWithinMs: number) {
  const net = await start(
    (position) => (position === 0 ? { ZSEQUENCER_FAULTS: 'stop-finalizing' } : none),
    { ZSEQUENCER_FINALIZATION_TIME_BORDER: borderSeconds },
  )
  const body = JSON.stringify({ waiting: true })
  await fetch(`${net.urls()[1]}/node/${APP}/batches`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': 'text/plain' },
  })
  const next = net.layout.nodes[1]!.id
  await waitFor(async () => (await sequencerOf(net.urls()[2]!)) === next, switchWithinMs)
  await waitFor(async () => (await finalizedBodies(net.urls()[2]!, APP)).includes(body), 30_000)
  return { net, body }
}

async function start(
  environmentOf?: (position: number, layout: ZellularLayout) => Record<string, string>,
  environment: Record<string, string> = {},
) {
  lines.length = 0
  basePort += 10
  network = await startLocalNetwork({
    dir: mkdtempSync(join(tmpdir(), 'zellular-failover-')),
    basePort,
    apps: [APP],
    environment,
    environmentOf,
    onLine: (position, line) => lines.push(`node-${position + 1} ${line}`),
  })
  for (const url of network.urls()) {
    await waitFor(async () => (await fetch(`${url}/node/ready`)).ok)
  }
  return network
}

/**
 * Sends batches one after another through the SDK, which picks a node that is not the sequencer
 * and fails over when its node stops answering; `acknowledged` holds every batch a node took.
 */
function loadGenerator(net: LocalNetwork) {
  const acknowledged: string[] = []
  let running = true
  const loop = (async () => {
    const client = new ZellularClient({
      app: APP,
      network: await loadNetwork(net.layout.nodesFile, 67),
      // The SDK sends a batch whose PUT timed out to another node, and both may have taken it
      // (delivery is at least once): on a loaded machine a 2 s limit finalized two batches twice
      // here. A dead node refuses at once; only a hung one waits out this limit.
      timeoutMs: 10_000,
    })
    for (let n = 0; running; n++) {
      const body = JSON.stringify({ n })
      try {
        await client.send(body)
        acknowledged.push(body)
      } catch {
        // No node took it: not acknowledged, so it need not be finalized.
      }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })()
  return {
    acknowledged,
    async stop() {
      running = false
      await loop
    },
  }
}

async function expectSameHistory(net: LocalNetwork, positions: number[], acknowledged: string[]) {
  await waitFor(async () => {
    const histories = await Promise.all(positions.map((p) => finalizedBodies(net.urls()[p]!, APP)))
    return histories.every((history) => history.length >= acknowledged.length)
  }, 60_000)
  const histories = await Promise.all(positions.map((p) => finalizedBodies(net.urls()[p]!, APP)))
  for (const history of histories) expect(history).toEqual(histories[0])
  const history = histories[0]!
  // Every acknowledged batch is finalized exactly once.
  expect(new Set(history).size).toBe(history.length)
  expect(history.filter((body) => acknowledged.includes(body)).length).toBe(acknowledged.length)
}

describe('sequencer failover', () => {
  it(
    'replaces a sequencer killed with SIGKILL under load, losing and duplicating nothing',
    { timeout: 240_000 },
    async () => {
      const net = await start()
      const load = loadGenerator(net)
      await waitFor(async () => (await finalizedIndex(net.urls()[1]!, APP)) > 30)
      const oldSequencer = net.layout.nodes[0]!.id
      expect(await sequencerOf(net.urls()[1]!)).toBe(oldSequencer)
      const killedAt = Date.now()
      const before = await finalizedIndex(net.urls()[1]!, APP)
      await net.kill(0, 'SIGKILL')

      await waitFor(async () => (await finalizedIndex(net.urls()[1]!, APP)) > before + 10, 30_000)
      const takeoverMs = Date.now() - killedAt
      const next = net.layout.nodes[1]!.id
      for (const position of [1, 2, 3]) expect(await sequencerOf(net.urls()[position]!)).toBe(next)
      expect(takeoverMs).toBeLessThan(30_000)
      await load.stop()
      await expectSameHistory(net, [1, 2, 3], load.acknowledged)

      // The old sequencer comes back as a follower and catches up.
      await net.restart(0)
      expect(await sequencerOf(net.urls()[0]!)).toBe(next)
      const target = await finalizedIndex(net.urls()[1]!, APP)
      await waitFor(async () => (await finalizedIndex(net.urls()[0]!, APP)) >= target, 30_000)
      await expectSameHistory(net, [0, 1, 2, 3], load.acknowledged)
    },
  )

  it('replaces a sequencer that censors one node', { timeout: 120_000 }, async () => {
    const victimPosition = 2
    const net = await start((position, layout) =>
      position === 0 ? { ZSEQUENCER_FAULTS: `censor=${layout.nodes[victimPosition]!.id}` } : none,
    )
    const censoredUrl = net.urls()[victimPosition]!
    const body = JSON.stringify({ censored: true })
    const response = await fetch(`${censoredUrl}/node/${APP}/batches`, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': 'text/plain' },
    })
    expect(response.status).toBe(200)
    const next = net.layout.nodes[1]!.id
    await waitFor(async () => (await sequencerOf(net.urls()[1]!)) === next, 30_000)
    await waitFor(async () => (await finalizedBodies(net.urls()[1]!, APP)).includes(body), 30_000)
    await expectSameHistory(net, [1, 2, 3], [body])
  })

  it('replaces a sequencer that stops finalizing', { timeout: 120_000 }, async () => {
    const { net, body } = await batchFinalAfterStopFinalizing('2', 30_000)
    await expectSameHistory(net, [1, 2, 3], [body])
  })

  it(
    'replaces a sequencer that asks for no signature long before the finalization border',
    { timeout: 120_000 },
    async () => {
      // It answers PUTs, so it looks alive, and never asks its followers to sign (as when its own
      // requests are cut off): the followers' silence border (3 s here) catches it, not the 60 s
      // finalization border.
      await batchFinalAfterStopFinalizing('60', 20_000)
      expect(lines.some((line) => line.includes('approved (no signature asked for)'))).toBe(true)
    },
  )

  it('ignores stale, future, forged or under-staked disputes and switches', async () => {
    const net = await start()
    const sequencer = net.layout.nodes[0]!.id
    const signerKey = (position: number) => {
      const key = JSON.parse(readFileSync(net.layout.nodes[position]!.keyFile, 'utf8')) as {
        id: string
        blsSecretKey: string
      }
      return { id: key.id, secret: bls.secretKeyFromBigInt(BigInt(`0x${key.blsSecretKey}`)) }
    }
    const proof = (position: number, timestamp: number) => {
      const key = signerKey(position)
      const signature = bls.sign(key.secret, disputeMessage(sequencer, timestamp))
      return {
        node_id: signerKey(position).id,
        sequencer_id: sequencer,
        timestamp,
        signature: bls.formatPoint(signature),
      }
    }
    const operators = await loadNetwork(net.layout.nodesFile, 67)
    const client = new PeerClient(signerKey(1).id, signerKey(1).secret, 'v0.1.7', operators)
    const target = { id: net.layout.nodes[2]!.id, socket: net.urls()[2]! }
    const now = Math.floor(Date.now() / 1000)
    const attempts = [
      { proofs: [proof(1, now - 60), proof(3, now - 60)] }, // stale
      { proofs: [proof(1, now + 60), proof(3, now + 60)] }, // future
      // Node 3's vote signed with node 1's key.
      { proofs: [proof(1, now), { ...proof(3, now), signature: proof(1, now).signature }] },
      { proofs: [proof(1, now)] }, // 25 % of stake < 33.5 %
      { proofs: [proof(1, now), proof(1, now)] }, // the same node twice
    ]
    for (const attempt of attempts) {
      const response = await client.send('POST', target, '/node/switch', attempt, 2_000)
      expect(response.status).toBe(403)
    }
    const dispute = (timestamp: number) =>
      client.send(
        'POST',
        target,
        '/node/dispute',
        {
          sequencer_id: sequencer,
          apps_censored_batches: {},
          timestamp,
        },
        2_000,
      )
    expect((await dispute(now - 60)).status).toBe(400)
    expect((await dispute(now + 60)).status).toBe(400)
    // A timely dispute without an issue the node can see is not approved.
    expect((await dispute(now)).status).toBe(404)
    const unsigned = await fetch(`${target.socket}/node/switch`, {
      method: 'POST',
      body: JSON.stringify(attempts[0]),
      headers: { 'Content-Type': 'application/json' },
    })
    expect(unsigned.status).toBe(403)
    for (const url of net.urls()) expect(await sequencerOf(url)).toBe(sequencer)
  })
})
