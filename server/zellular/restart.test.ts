import { afterAll, beforeAll, expect, it } from 'vitest'
import type { LocalNetwork } from '../devnet/localNetwork.ts'
import { finalizedBodies, startReadyNetwork, waitFor } from './testing.ts'

let network: LocalNetwork

beforeAll(async () => {
  network = await startReadyNetwork('restart', 16201, ['simple_app'])
})
afterAll(() => network?.stop())

const lastFinalized = async (url: string) => {
  const response = await fetch(`${url}/node/simple_app/batches/finalized/last`)
  const { data } = (await response.json()) as { data: { index: number; chaining_hash: string } }
  return data
}

it('a node SIGKILLed mid-stream restarts, catches up and serves the same history', async () => {
  const victim = 2
  const urls = network.urls()
  const senders = [urls[1]!, urls[3]!]
  const sent: string[] = []
  const send = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const body = JSON.stringify([{ n: sent.length }])
      sent.push(body)
      const url = senders[sent.length % senders.length]!
      const response = await fetch(`${url}/node/simple_app/batches`, {
        method: 'PUT',
        body,
        headers: { 'Content-Type': 'text/plain' },
      })
      expect(response.status).toBe(200)
    }
  }

  await send(150)
  await waitFor(async () => (await lastFinalized(urls[victim]!))?.index > 50)
  await network.kill(victim, 'SIGKILL')
  await send(150)
  await network.restart(victim)
  await send(100)

  await waitFor(async () => {
    const indices = await Promise.all(urls.map(async (url) => (await lastFinalized(url))?.index))
    return indices.every((index) => index === sent.length)
  }, 60_000)
  const histories = await Promise.all(urls.map((url) => finalizedBodies(url, 'simple_app')))
  const heads = await Promise.all(urls.map(lastFinalized))
  for (const [position, history] of histories.entries()) {
    expect(history, `node ${position + 1}`).toEqual(histories[0])
    expect(heads[position]!.chaining_hash).toBe(heads[0]!.chaining_hash)
  }
  // Nothing lost, nothing duplicated.
  expect([...histories[0]!].sort()).toEqual([...sent].sort())
})
