import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bls, disputeMessage, initZellular, loadNetwork } from '../../shared/zellular/index.ts'
import { startLocalNetwork, type LocalNetwork } from '../devnet/localNetwork.ts'
import type { ZellularLayout } from '../devnet/zellularNetwork.ts'
import { expectSameHistory, loadGenerator } from './loadUnderFaults.ts'
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

describe('sequencer failover', () => {
  it(
    'replaces a sequencer killed with SIGKILL under load, losing and duplicating nothing',
    { timeout: 240_000 },
    async () => {
      const net = await start()
      const load = loadGenerator(net, APP)
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
      await expectSameHistory(net, APP, [1, 2, 3], load.acknowledged)

      // The old sequencer comes back as a follower and catches up.
      await net.restart(0)
      expect(await sequencerOf(net.urls()[0]!)).toBe(next)
      const target = await finalizedIndex(net.urls()[1]!, APP)
      await waitFor(async () => (await finalizedIndex(net.urls()[0]!, APP)) >= target, 30_000)
      await expectSameHistory(net, APP, [0, 1, 2, 3], load.acknowledged)
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
    await expectSameHistory(net, APP, [1, 2, 3], [body])
  })

  it('replaces a sequencer that stops finalizing', { timeout: 120_000 }, async () => {
    const { net, body } = await batchFinalAfterStopFinalizing('2', 30_000)
    await expectSameHistory(net, APP, [1, 2, 3], [body])
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
