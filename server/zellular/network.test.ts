import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  initZellular,
  loadNetwork,
  ZellularClient,
  type VerifiedBatch,
} from '../../shared/zellular/index.ts'
import type { LocalNetwork } from '../devnet/localNetwork.ts'
import { startReadyNetwork } from './testing.ts'

const APP = 'simple_app'
const COUNT = 2_000
let network: LocalNetwork

beforeAll(async () => {
  await initZellular()
  network = await startReadyNetwork('network', 16401, [APP])
})
afterAll(() => network?.stop())

async function readAll(client: ZellularClient, node: string): Promise<VerifiedBatch[]> {
  const controller = new AbortController()
  const out: VerifiedBatch[] = []
  for await (const batch of client.batches({ node, signal: controller.signal })) {
    out.push(batch)
    if (out.length === COUNT) controller.abort()
  }
  return out
}

it(
  '2,000 batches sent to random nodes are read back verified, in one order, from every node',
  { timeout: 180_000 },
  async () => {
    const zellular = await loadNetwork(network.layout.nodesFile, 67)
    const client = new ZellularClient({ app: APP, network: zellular })
    const sent = Array.from({ length: COUNT }, (_, n) =>
      JSON.stringify([{ n, pad: 'z'.repeat(n % 50) }]),
    )
    const urls = network.urls()
    // 8 concurrent senders, each batch to a random node (the sequencer included).
    let next = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < COUNT) {
          const body = sent[next++]!
          const url = urls[Math.floor(Math.random() * urls.length)]!
          const response = await fetch(`${url}/node/${APP}/batches`, {
            method: 'PUT',
            body,
            headers: { 'Content-Type': 'text/plain' },
          })
          expect(response.status).toBe(200)
        }
      }),
    )

    const histories = await Promise.all(
      network.layout.nodes.map((node) => readAll(client, node.id)),
    )
    const reference = histories[0]!
    expect(reference.map((batch) => batch.index)).toEqual(
      Array.from({ length: COUNT }, (_, i) => i + 1),
    )
    for (const history of histories) {
      expect(history.map((batch) => batch.body)).toEqual(reference.map((batch) => batch.body))
      expect(history.map((batch) => batch.chainingHash)).toEqual(
        reference.map((batch) => batch.chainingHash),
      )
    }
    // Nothing lost, nothing duplicated.
    expect([...reference.map((batch) => batch.body)].sort()).toEqual([...sent].sort())
    const last = await client.lastFinalized()
    expect(last?.index).toBe(COUNT)
    expect(last?.chainingHash).toBe(reference.at(-1)!.chainingHash)
  },
)
