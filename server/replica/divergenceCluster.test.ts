import { tenfoldBalance } from '../chaos/corruptDatabase.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { statusResponseSchema, type StatusResponse } from '../../shared/api/index.ts'
import { signIntent, testAccount } from '../../shared/exchange/testing.ts'
import { createTokenRegistry, nextNonce } from '../../shared/intents/index.ts'
import { startLocalNetwork, type LocalNetwork } from '../devnet/localNetwork.ts'
import { prepareReplicas, startReplicaCluster, type ReplicaCluster } from './setup.ts'
import { freeLoopbackPorts, waitFor } from './testing.ts'

/*
 * A replica whose database was changed while it was stopped, on the real processes (4 Zellular
 * nodes, 3 replicas): restarted, it signs roots its peers do not sign at the same root
 * checkpoints, finds that a quorum of them signed another, stops signing and replaces its state
 * by state sync in its process, then follows Zellular with the same roots as its peers.
 */

const [payer, payee] = [testAccount(3_100), testAccount(3_101)]
let dir: string
let zellular: LocalNetwork
let cluster: ReplicaCluster
/** Replica 3's log lines. */
const lines: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'divergence-cluster-'))
  zellular = await startLocalNetwork({
    dir: join(dir, 'zellular'),
    basePort: await freeLoopbackPorts(4, 30_600, 30_800),
    apps: ['orderbook'],
  })
  const prepared = prepareReplicas({
    dir: join(dir, 'replicas'),
    count: 3,
    basePort: await freeLoopbackPorts(3, 30_800, 31_000),
    zellularNodesFile: zellular.layout.nodesFile,
    balances: [payer, payee].map((account) => ({
      address: account.address,
      token: 'USDT',
      amount: '1000000',
    })),
  })
  cluster = await startReplicaCluster(prepared, {
    environment: { REPLICA_DIVERGENCE_CHECK_MS: '300' },
    onLine: (position, line) => {
      if (position === 2) lines.push(line)
      if (/FATAL|ERROR/.test(line)) console.error(`replica-${position + 1} ${line}`)
    },
  })
}, 180_000)

afterAll(async () => {
  await cluster?.stop()
  await zellular?.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function status(url: string): Promise<StatusResponse> {
  return statusResponseSchema.parse(await (await fetch(`${url}/status`)).json())
}

let lastNonce: bigint | undefined
/** `count` transfers from the payer to the payee, one by one, each applied by replica 1. */
async function pay(count: number): Promise<void> {
  const { registry } = cluster.prepared
  const tokens = createTokenRegistry(registry.tokens)
  const url = cluster.urls()[0]!
  for (let n = 0; n < count; n++) {
    lastNonce = nextNonce(Date.now(), lastNonce)
    const fields = {
      action: 'transfer',
      nonce: String(lastNonce),
      to: payee.address,
      token: 'USDT',
    }
    const body = JSON.stringify(signIntent(payer, tokens, { ...fields, amount: '0.5' }))
    const response = await fetch(`${url}/transfer`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    })
    const { intentId } = (await response.json()) as { intentId: string }
    await waitFor(async () => {
      const answer = await fetch(`${url}/tx/${intentId}`)
      return (
        answer.status === 200 && ((await answer.json()) as { status: string }).status !== 'pending'
      )
    }, 30_000)
    // Batches over more than a second of sequenced time: root checkpoints between them.
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
}

/** Every replica's status once all stand at one index with a state hash there. */
async function settled(): Promise<StatusResponse[]> {
  let statuses: StatusResponse[] = []
  await waitFor(async () => {
    statuses = await Promise.all(cluster.urls().map(status))
    const index = statuses[0]!.appliedIndex
    return statuses.every((one) => one.appliedIndex === index && one.stateHashIndex === index)
  }, 60_000)
  return statuses
}

/** Replica 3's latest root when replica 1 signed another at its index, in words. */
async function rootNobodyElseSigned(): Promise<string | undefined> {
  const [first, , third] = cluster.urls()
  const rootOf = async (url: string) => {
    const answer = await fetch(url).catch(() => undefined)
    if (answer?.status !== 200) return undefined
    return ((await answer.json()) as { attestation: { index: number; stateHash: string } })
      .attestation
  }
  const own = await rootOf(`${third}/root`)
  if (own === undefined) return undefined
  const peer = await rootOf(`${first}/root?index=${own.index}`)
  if (peer === undefined || peer.stateHash === own.stateHash) return undefined
  return `it signed ${own.stateHash} at ${own.index}, replica-1 ${peer.stateHash}`
}

it(
  'heals a replica whose database was changed while it was stopped',
  { timeout: 180_000 },
  async () => {
    await pay(3)
    expect(new Set((await settled()).map((one) => one.stateHash)).size).toBe(1)

    await cluster.kill(2, 'SIGTERM')
    tenfoldBalance(cluster.prepared.replicas[2]!.databaseFile, payee.address, 'USDT')
    await cluster.restart(2)

    // Under a stream of transfers it signs roots at checkpoints; a quorum signed others there.
    await pay(8)
    const found = /diverged at index (\d+): signed (0x\w+), a quorum \((.*)\) signed (0x\w+)/
    // Without the check it keeps signing roots nobody else signs: the failure says which.
    let signedOther = 'no root of its that differs from replica-1 seen'
    let lookedAt = 0
    await waitFor(async () => {
      if (lines.some((line) => found.test(line))) return true
      if (Date.now() - lookedAt > 500) {
        lookedAt = Date.now()
        signedOther = (await rootNobodyElseSigned()) ?? signedOther
      }
      return false
    }, 60_000).catch(() => {
      throw new Error(`replica-3 never said it diverged; ${signedOther}`)
    })
    const [, at, own, signers, quorum] = found.exec(lines.find((line) => found.test(line))!)!
    expect(signers).toBe('replica-1, replica-2')
    expect(own).not.toBe(quorum)
    const peerRoot = await fetch(`${cluster.urls()[0]}/root?index=${at}`)
    const { attestation } = (await peerRoot.json()) as { attestation: { stateHash: string } }
    expect(attestation.stateHash).toBe(quorum)

    await waitFor(() => lines.some((line) => /^.*healed: state of index/.test(line)), 60_000)
    await pay(3)
    const statuses = await settled()
    expect(new Set(statuses.map((one) => one.stateHash)).size).toBe(1)
    expect(statuses[2]!.diverged).toBeUndefined()
    const installed = lines.findIndex((line) => /state sync: installed/.test(line))
    expect(installed).toBeGreaterThan(lines.findIndex((line) => found.test(line)))
  },
)
