import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  stateSnapshotSchema,
  type ReplicaRegistry,
  type StateSnapshot,
  type StatusResponse,
} from '../../shared/api/index.ts'
import { signIntent, signLimitOrder } from '../../shared/exchange/testing.ts'
import { formatNodesFile, initZellular } from '../../shared/zellular/index.ts'
import { buildTestCommittee } from '../../shared/zellular/testing.ts'
import { spawnService } from '../serviceProcesses.ts'
import type { Replica } from './replica.ts'
import {
  InMemorySequencer,
  removeTemporaryFolders,
  serveReplicas,
  startReplica,
  stopStartedReplicas,
  temporaryDatabaseFile,
  temporaryFolder,
  testBlsKey,
  testGenesis,
  testRegistry,
  testTokens,
  traders,
  waitFor,
} from './testing.ts'

afterAll(async () => {
  await stopStartedReplicas()
  removeTemporaryFolders()
})

const [maker, taker, payer] = [traders[2]!, traders[3]!, traders[4]!]
const nonces = new Map<string, number>()
function sign(trader: (typeof traders)[number], fields: Record<string, string>) {
  const nonce = (nonces.get(trader.address) ?? 0) + 1
  nonces.set(trader.address, nonce)
  return signIntent(trader, testTokens, { ...fields, nonce: String(nonce) })
}
const order = (trader: (typeof traders)[number], side: string, price: string, quantity: string) => {
  const nonce = (nonces.get(trader.address) ?? 0) + 1
  nonces.set(trader.address, nonce)
  return signLimitOrder(trader, testTokens, { nonce, side, price, quantity })
}
const pay = (amount: string) =>
  sign(payer, { action: 'transfer', to: maker.address, token: 'USDT', amount })

/** Batches with resting orders on both sides, a partial fill, transfers and nonce windows. */
function trade(sequencer: InMemorySequencer, rounds: number) {
  for (let round = 0; round < rounds; round++) {
    const price = String(1_990 + (round % 5))
    sequencer.append(JSON.stringify([order(maker, 'buy', price, '0.02'), pay('1.5')]))
    sequencer.append(JSON.stringify([order(taker, 'sell', price, '0.01')]))
    sequencer.append(JSON.stringify([order(taker, 'sell', String(2_100 + round), '0.01')]))
  }
}

/** Each replica's latest signed root index, once all of them reached `index`. */
async function allHashedAt(replicas: readonly Replica[], index: number) {
  await waitFor(() => replicas.every((replica) => replica.state.position.index === index))
  const hashedAt = async (replica: Replica) =>
    ((await (await replica.app.request('/root')).json()) as { attestation: { index: number } })
      .attestation.index
  await waitFor(async () => (await Promise.all(replicas.map(hashedAt))).every((i) => i === index))
}

/**
 * Replica `position` of `registry` as its own process (the compiled `main.ts`) on a fresh
 * database, syncing its state from `sources`, with a V8 heap of `heapMb`; Zellular nodes
 * nowhere. Its log lines go to `lines`.
 */
async function spawnSyncingReplica(options: {
  registry: ReplicaRegistry
  position: number
  sources: readonly string[]
  heapMb: number
  lines: string[]
}) {
  await initZellular()
  const folder = temporaryFolder('state-sync-process-')
  const file = (name: string, content: unknown) => {
    const text = typeof content === 'string' ? content : JSON.stringify(content)
    writeFileSync(join(folder, name), text, { mode: 0o600 })
    return join(folder, name)
  }
  const nowhere = [20690, 20691, 20692, 20693].map((port) => `http://127.0.0.1:${port}`)
  const url = options.registry.replicas[options.position - 1]!.url
  return spawnService('server/replica/main.ts', {
    id: `replica-${options.position}`,
    url,
    nodeOptions: [`--max-old-space-size=${options.heapMb}`],
    environment: {
      REPLICA_ID: `replica-${options.position}`,
      REPLICA_PORT: new URL(url).port,
      REPLICA_DATA_DIR: folder,
      REPLICA_KEY_FILE: file('bls-key.json', {
        blsSecretKey: `0x${Buffer.from(testBlsKey(options.position)).toString('hex')}`,
      }),
      REPLICA_REGISTRY_FILE: file('registry.json', options.registry),
      REPLICA_GENESIS_FILE: file('genesis.json', testGenesis),
      ZELLULAR_NODES_FILE: file(
        'nodes.json',
        formatNodesFile(buildTestCommittee({ sockets: nowhere }).nodes),
      ),
      REPLICA_STATE_SYNC: options.sources.join(','),
    },
    onLine: (line) => options.lines.push(line),
  })
}

/** An HTTP server on 127.0.0.1:`port` answering every request with `body` (JSON). */
async function serveBody(port: number, body: string) {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.end(body)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const close = () => {
    server.close()
    server.closeAllConnections()
  }
  return { url: `http://127.0.0.1:${port}`, close }
}

describe('state sync', () => {
  it('starts a new replica from a peer snapshot checked against a quorum root, then follows', async () => {
    const sequencer = new InMemorySequencer()
    const trusted = testRegistry(3, 15_960)
    const served = await serveReplicas({ sequencer, registry: trusted, positions: [1, 2] })
    trade(sequencer, 20)
    await allHashedAt(served.replicas, sequencer.chainingHashes.length)

    // Replica 1 lies in its snapshot, asked twice: first an order that cannot rest (the snapshot
    // does not rebuild), then one more USDT for the payer (another root). Both are refused and
    // named, and the snapshot of replica 2 is taken.
    const lyingUrl = served.registry.replicas[0]!.url
    let lies = 0
    const lying: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (String(input) !== `${lyingUrl}/snapshot`) return response
      const snapshot = (await response.json()) as StateSnapshot
      lies += 1
      if (lies === 1) {
        snapshot.openOrders[0] = { ...snapshot.openOrders[0]!, timeInForce: 'IOC' }
      } else {
        const at = snapshot.balances.findIndex(([address]) => address === payer.address)
        const [address, token, available, locked] = snapshot.balances[at]!
        snapshot.balances[at] = [address, token, String(BigInt(available) + 1n), locked]
      }
      return new Response(JSON.stringify(snapshot), { status: 200 })
    }
    const [first, second] = served.registry.replicas.map((replica) => replica.url)
    const lines: string[] = []
    const joined = await startReplica({
      sequencer,
      registry: served.registry,
      position: 3,
      databaseFile: temporaryDatabaseFile('state-sync-'),
      fetch: lying,
      stateSync: { sources: [first!, first!, second!] },
      log: (line) => lines.push(line),
    })
    const synced = sequencer.chainingHashes.length
    expect(joined.state.position.index).toBe(synced)
    expect(joined.state.stateHash()).toBe(served.replicas[1]!.state.stateHash())
    expect(lines.join('\n')).toMatch(/served a refused snapshot: the snapshot does not rebuild/)
    expect(lines.join('\n')).toMatch(/served a refused snapshot: .*is not the quorum root/)
    expect(lines.join('\n')).toMatch(/installed replica-2's snapshot of index 60/)
    const status = (await (await joined.app.request('/status')).json()) as StatusResponse
    expect(status.historyPrunedBelow).toBe(synced + 1)
    // It applied nothing before the snapshot: no receipt of the first batch is here.
    expect(
      (await joined.app.request('/balance?address=' + payer.address + '&token=USDT&index=1'))
        .status,
    ).toBe(404)

    // All three go on from there alike, matching against the books the snapshot held.
    trade(sequencer, 5)
    sequencer.append(JSON.stringify([order(maker, 'sell', '1980', '0.5')]))
    const last = sequencer.chainingHashes.length
    const all = [...served.replicas, joined]
    await allHashedAt(all, last)
    const roots = await Promise.all(
      all.map(
        async (replica) =>
          (await (await replica.app.request(`/root?index=${last}`)).json()) as {
            attestation: { stateHash: string }
          },
      ),
    )
    expect(new Set(roots.map((root) => root.attestation.stateHash)).size).toBe(1)
    const book = (replica: Replica) => replica.state.exchange.engine.depth('ETH/USDT', 50)
    expect(book(joined)).toEqual(book(served.replicas[0]!))
    expect(joined.state.exchange.tradeSeq('ETH/USDT')).toBeGreaterThan(20)
  })

  it('refuses unparsed a snapshot whose parse would exhaust its heap, and syncs from the next peer', async () => {
    // A lying peer's `[],[],…` takes ~14 times its size of heap to parse, under the body cap: a
    // fatal out-of-memory that no try catches, and the restarted replica asked that peer again.
    const sequencer = new InMemorySequencer()
    const served = await serveReplicas({
      sequencer,
      registry: testRegistry(3, 20600),
      positions: [1, 2],
      atRegistryPorts: true,
    })
    trade(sequencer, 2)
    await allHashedAt(served.replicas, sequencer.chainingHashes.length)
    const lie = (balances: string) =>
      `{"version":1,"replicaId":"liar","index":6,"chainingHash":"","time":0,` +
      `"balances":${balances},"nonceWindows":[],"openOrders":[],"markets":[]}`
    // 21 MB that take ~300 MB of heap to parse; 1 MB whose check reported 500,000 errors, ~280 MB.
    const flood = await serveBody(20603, lie(`[${'[],'.repeat(7_000_000)}[]]`))
    const wrong = await serveBody(20604, lie(`[${'0,'.repeat(500_000)}0]`))
    const lines: string[] = []
    const joining = await spawnSyncingReplica({
      registry: served.registry,
      position: 3,
      sources: [flood.url, wrong.url, served.registry.replicas[1]!.url],
      heapMb: 160,
      lines,
    })
    // Crashed out of memory, it is killed by a signal (SIGABRT).
    const ended = () => joining.child.exitCode !== null || joining.child.signalCode !== null
    try {
      const installed = /state sync: installed replica-2's snapshot of index 6/
      await waitFor(() => lines.some((line) => installed.test(line)) || ended(), 30_000)
      const log = lines.join('\n')
      expect(log).toMatch(
        /state sync: refused http:\/\/127\.0\.0\.1:20603's snapshot unparsed: parsing it would take about \d+ MB of heap/,
      )
      expect(log).toMatch(
        /state sync: refused http:\/\/127\.0\.0\.1:20604's snapshot unparsed: a malformed snapshot: balances\[0\]: /,
      )
      expect(log).toMatch(installed)
      expect(ended()).toBe(false)
    } finally {
      joining.child.kill('SIGKILL')
      await joining.exited
      flood.close()
      wrong.close()
    }
  })

  it('serves its snapshot at its latest hash, which parses and names its index, and limits them', async () => {
    const sequencer = new InMemorySequencer()
    const served = await serveReplicas({
      sequencer,
      registry: testRegistry(3, 15_970),
      positions: [1],
    })
    trade(sequencer, 2)
    const [replica] = served.replicas
    await allHashedAt([replica!], sequencer.chainingHashes.length)
    const response = await replica!.app.request('/snapshot')
    expect(response.status).toBe(200)
    const snapshot = stateSnapshotSchema.parse(await response.json())
    expect(snapshot).toMatchObject({ version: 1, replicaId: 'replica-1', index: 6 })
    // Three at once per client address, then one per 5 s: the fourth now is refused.
    const statuses = []
    for (let n = 0; n < 3; n++) statuses.push((await replica!.app.request('/snapshot')).status)
    expect(statuses).toEqual([200, 200, 429])
    expect(snapshot.openOrders.map((o) => o.owner).sort()).toEqual(
      [maker.address, maker.address, taker.address, taker.address].sort(),
    )
  })
})
