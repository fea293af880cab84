import { herumi } from '../../shared/attest/herumi.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createBlsVerifier } from '../../shared/attest/index.ts'
import { signIntent, testAccount } from '../../shared/exchange/testing.ts'
import { createTokenRegistry, nextNonce } from '../../shared/intents/index.ts'
import { startLocalNetwork, type LocalNetwork } from '../devnet/localNetwork.ts'
import { prepareReplicas, startReplicaCluster, type ReplicaCluster } from '../replica/setup.ts'
import { verifyAddressBalances } from './verifyAddress.ts'

/*
 * Proofs against quorum-signed roots on the real processes (4 Zellular nodes, 3 replicas): while
 * transfers keep coming, replicas hash at root checkpoints, the same finalization sync points on
 * each, so a balance proof from one replica meets a quorum of root attestations of its index
 * without waiting for the network to go quiet.
 */

const accounts = Array.from({ length: 4 }, (_, i) => testAccount(3_000 + i))
let zellular: LocalNetwork
let cluster: ReplicaCluster

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'verify-cluster-'))
  zellular = await startLocalNetwork({
    dir: join(dir, 'zellular'),
    basePort: 16_801,
    apps: ['orderbook'],
  })
  const prepared = prepareReplicas({
    dir: join(dir, 'replicas'),
    count: 3,
    basePort: 15_301,
    zellularNodesFile: zellular.layout.nodesFile,
    balances: accounts.map((account) => ({
      address: account.address,
      token: 'USDT',
      amount: '1000000',
    })),
  })
  cluster = await startReplicaCluster(prepared, {
    environment: { REPLICA_SUBMIT_RATE_PER_SECOND: '100000', REPLICA_SUBMIT_BURST: '100000' },
    onLine: (position, line) => {
      if (/FATAL|ERROR/.test(line)) console.error(`replica-${position + 1} ${line}`)
    },
  })
}, 180_000)

afterAll(async () => {
  await cluster?.stop()
  await zellular?.stop()
})

it(
  'verifies a balance by a quorum of signed roots while transfers keep coming',
  { timeout: 180_000 },
  async () => {
    const { registry } = cluster.prepared
    const tokens = createTokenRegistry(registry.tokens)
    const urls = cluster.urls()
    const nonces = new Map<string, bigint>()
    let sending = true
    let sent = 0
    // A steady stream: each account, in a loop of its own, sends 0.01 USDT to the next.
    const load = Promise.all(
      accounts.map(async (from, position) => {
        const to = accounts[(position + 1) % accounts.length]!.address
        while (sending) {
          const nonce = nextNonce(Date.now(), nonces.get(from.address))
          nonces.set(from.address, nonce)
          const fields = { action: 'transfer', nonce: String(nonce), to, token: 'USDT' }
          const body = JSON.stringify(signIntent(from, tokens, { ...fields, amount: '0.01' }))
          await fetch(`${urls[sent % urls.length]}/transfer`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body,
          }).catch(() => undefined)
          sent += 1
        }
      }),
    )
    try {
      // Let the stream run past a few checkpoints first.
      while (Math.min(...(await appliedIndexes(urls))) < 30) {
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000))
      const results = await verifyAddressBalances({
        registry,
        address: accounts[0]!.address,
        bls: createBlsVerifier(herumi),
        attempts: 10,
      })
      const usdt = results.find((result) => result.token === 'USDT')!
      expect(usdt, usdt.problem).toMatchObject({ verified: true })
      expect(usdt.signers.length).toBeGreaterThanOrEqual(registry.quorum)
      // Proven at a checkpoint reached under load, while the network kept applying batches:
      // every replica goes past it with the stream still running. Polled, since on a loaded
      // machine the slowest replica can still stand at the proven index when the check ends.
      expect(usdt.index).toBeGreaterThanOrEqual(30)
      const deadline = Date.now() + 30_000
      let appliedAfter = await appliedIndexes(urls)
      while (Math.min(...appliedAfter) <= usdt.index! && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        appliedAfter = await appliedIndexes(urls)
      }
      expect(Math.min(...appliedAfter)).toBeGreaterThan(usdt.index!)
    } finally {
      sending = false
      await load
    }
  },
)

async function appliedIndexes(urls: readonly string[]): Promise<number[]> {
  return Promise.all(
    urls.map(async (url) => {
      const status = (await (await fetch(`${url}/status`)).json()) as { appliedIndex: number }
      return status.appliedIndex
    }),
  )
}
