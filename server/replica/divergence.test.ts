import { tenfoldBalance } from '../chaos/corruptDatabase.ts'
import type { ServerType } from '@hono/node-server'
import { afterAll, describe, expect, it } from 'vitest'
import type { SignedBalance, StatusResponse } from '../../shared/api/index.ts'
import { signIntent } from '../../shared/exchange/testing.ts'
import type { Replica } from './replica.ts'
import {
  freeLoopbackPorts,
  InMemorySequencer,
  removeTemporaryFolders,
  serveOnLoopback,
  serveReplicas,
  startReplica,
  stopReplica,
  stopStartedReplicas,
  temporaryDatabaseFile,
  testRegistry,
  testTokens,
  traders,
  waitFor,
} from './testing.ts'

const servers: ServerType[] = []
afterAll(async () => {
  for (const server of servers) server.close()
  await stopStartedReplicas()
  removeTemporaryFolders()
})

const [payer, payee] = [traders[4]!, traders[5]!]
let nonce = 0
function pay(sequencer: InMemorySequencer, amount: string) {
  nonce += 1
  const fields = { action: 'transfer', to: payee.address, token: 'USDT', amount }
  sequencer.append(
    JSON.stringify([signIntent(payer, testTokens, { ...fields, nonce: String(nonce) })]),
  )
}

/** Each replica's root attestation at `index`, once every one of them signed one there. */
async function rootsAt(replicas: readonly Replica[], index: number): Promise<string[]> {
  const rootOf = async (replica: Replica) => {
    const response = await replica.app.request(`/root?index=${index}`)
    if (response.status !== 200) return undefined
    return ((await response.json()) as { attestation: { stateHash: string } }).attestation.stateHash
  }
  let roots: (string | undefined)[] = []
  await waitFor(async () => {
    roots = await Promise.all(replicas.map(rootOf))
    return roots.every((root) => root !== undefined)
  })
  return roots as string[]
}

const status = async (replica: Replica) =>
  (await (await replica.app.request('/status')).json()) as StatusResponse

describe('a diverged replica', () => {
  it('stops signing, says so, and heals by state sync from a quorum-signed root', async () => {
    const sequencer = new InMemorySequencer()
    const base = await freeLoopbackPorts(3, 24_000, 24_300)
    const registry = testRegistry(3, base)
    const parameters = { divergenceCheckMs: 100 }
    const served = await serveReplicas({
      sequencer,
      registry,
      positions: [1, 2],
      parameters,
      atRegistryPorts: true,
    })
    const databaseFile = temporaryDatabaseFile('divergence-')
    const third = async (options: { fetch?: typeof fetch; log?: (line: string) => void } = {}) => {
      const replica = await startReplica({
        sequencer,
        registry,
        position: 3,
        databaseFile,
        parameters,
        ...options,
      })
      servers.push((await serveOnLoopback(replica.app.fetch, base + 2)).server)
      return replica
    }
    let replica = await third()
    for (let n = 0; n < 5; n++) pay(sequencer, '1.5')
    const agreed = await rootsAt([...served.replicas, replica], sequencer.bodies.length)
    expect(new Set(agreed).size).toBe(1)

    // Stopped, its database is changed behind its back: the payee's USDT gets a digit more (its kept
    // state-tree leaf forgotten, so the restart hashes the value it finds).
    await stopReplica(replica)
    servers.pop()!.close()
    tenfoldBalance(databaseFile, payee.address, 'USDT')

    // Its asks of its peers' roots wait until the test has seen it sign a balance of its state,
    // and its snapshot requests until the test has seen it diverged and refusing to sign.
    const gate = () => {
      let open = () => {}
      const opened = new Promise<void>((resolve) => (open = resolve))
      return { open, opened }
    }
    const [rootAsks, snapshots] = [gate(), gate()]
    const held: typeof fetch = async (input, init) => {
      const path = new URL(String(input)).pathname
      if (path === '/root') await rootAsks.opened
      if (path === '/snapshot') await snapshots.opened
      return fetch(input, init)
    }
    const lines: string[] = []
    replica = await third({ fetch: held, log: (line) => lines.push(line) })
    const payeeBalance = async (one: Replica) => {
      const response = await one.app.request(`/balance?address=${payee.address}&token=USDT`)
      return { status: response.status, body: (await response.json()) as SignedBalance }
    }
    const [signedWrong, signedRight] = [
      await payeeBalance(replica),
      await payeeBalance(served.replicas[0]!),
    ]
    expect(signedWrong.body.attestation.index).toBe(signedRight.body.attestation.index)
    expect(signedWrong.body.attestation.available).toBe(
      `${signedRight.body.attestation.available}0`,
    )
    rootAsks.open()

    // It signed a root that no peer signed, named in the log line with the quorum's.
    await waitFor(() => lines.some((line) => /diverged at index/.test(line)))
    const line = lines.find((one) => /diverged at index/.test(one))!
    const pattern = /diverged at index (\d+): signed (0x\w+), a quorum \(.*\) signed (0x\w+)/
    const [, at, own, quorum] = pattern.exec(line)!
    const index = Number(at)
    const [quorumRoot] = await rootsAt(served.replicas, index)
    expect(quorum).toBe(quorumRoot)
    expect(own).not.toBe(quorumRoot)
    expect(replica.deps.roots.at(index)?.attestation.stateHash).toBe(own)

    // Diverged: it says so and signs nothing (no root, no balance) until it has healed.
    expect((await status(replica)).diverged).toMatchObject({
      index,
      stateHash: own,
      quorumStateHash: quorum,
    })
    const refused = await replica.app.request(`/root?index=${index}`)
    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({ error: { code: 'replica_diverged' } })
    expect((await payeeBalance(replica)).status).toBe(503)
    // Nor does it answer unsigned reads of that state (its database is replaced while healing).
    const orders = await replica.app.request(`/orders?address=${payee.address}`)
    expect(orders.status).toBe(503)
    expect(await orders.json()).toMatchObject({ error: { code: 'replica_diverged' } })

    // Healed by state sync: the peers' state at a quorum root (the index it had signed the wrong
    // balance at), whose balance it signs now, then Zellular from there.
    snapshots.open()
    await waitFor(() => lines.some((one) => /state sync: installed/.test(one)))
    expect(replica.state.position.index).toBe(index)
    expect((await payeeBalance(replica)).body.attestation).toMatchObject({
      index,
      available: signedRight.body.attestation.available,
    })
    pay(sequencer, '3')
    const last = sequencer.bodies.length
    const roots = await rootsAt([...served.replicas, replica], last)
    expect(new Set(roots).size).toBe(1)
    const healedStatus = await status(replica)
    expect(healedStatus.diverged).toBeUndefined()
    // What it found stays in its status once healed: a heal can be quicker than any read.
    expect(healedStatus.healed).toMatchObject({ index, stateHash: own, quorumStateHash: quorum })
    expect(healedStatus.healed!.healedAt).toBeGreaterThanOrEqual(index)
    expect(replica.state.position.index).toBe(last)
  })
})
