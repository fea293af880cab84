/**
 * For tests that fault a node of a real network under load (`failover.test.ts`,
 * `diskFull.test.ts`): a client that keeps sending batches, and the check that every node ends
 * with one history holding each acknowledged batch exactly once.
 */
import { expect } from 'vitest'
import { loadNetwork, ZellularClient } from '../../shared/zellular/index.ts'
import type { LocalNetwork } from '../devnet/localNetwork.ts'
import { finalizedBodies, waitFor } from './testing.ts'

/**
 * Sends batches of `app` one after another through the SDK, which picks a node that is not the
 * sequencer and fails over when its node stops answering; `acknowledged` holds every batch a
 * node took.
 */
export function loadGenerator(net: LocalNetwork, app: string) {
  const acknowledged: string[] = []
  let running = true
  const loop = (async () => {
    const client = new ZellularClient({
      app,
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

/**
 * The nodes at `positions` come to serve one finalized history of `app`, in which every
 * acknowledged batch is once.
 */
export async function expectSameHistory(
  net: LocalNetwork,
  app: string,
  positions: number[],
  acknowledged: string[],
): Promise<void> {
  const histories = () => Promise.all(positions.map((p) => finalizedBodies(net.urls()[p]!, app)))
  await waitFor(async () => {
    return (await histories()).every((history) => history.length >= acknowledged.length)
  }, 60_000)
  const [history, ...others] = await histories()
  for (const other of others) expect(other).toEqual(history)
  expect(new Set(history).size).toBe(history!.length)
  expect(history!.filter((body) => acknowledged.includes(body)).length).toBe(acknowledged.length)
}
