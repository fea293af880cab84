import { afterAll, beforeAll, expect, it } from 'vitest'
import type { LocalNetwork } from '../devnet/localNetwork.ts'
import { finalizedIndex, startReadyNetwork } from './testing.ts'

// Our extension of the finalized page read: `&wait=ms` holds a read that finds nothing new
// until the next finalization, so readers learn of it without polling.

let network: LocalNetwork

beforeAll(async () => {
  network = await startReadyNetwork('long-poll', 16601, ['simple_app'])
})
afterAll(() => network?.stop())

const page = async (url: string) => {
  const response = await fetch(url)
  return ((await response.json()) as { data: { batches: string[] } | null }).data
}

it('a finalized read with wait= is answered by the next finalization, not at once', async () => {
  const [reader, sender] = network.urls() as [string, string]
  const after = await finalizedIndex(reader, 'simple_app')
  // Nothing finalized after `after` yet: a plain read is empty.
  expect(await page(`${reader}/node/simple_app/batches/finalized?after=${after}`)).toBeNull()
  const held = page(`${reader}/node/simple_app/batches/finalized?after=${after}&wait=5000`)
  let answered = false
  held.then(
    () => (answered = true),
    () => (answered = true),
  )
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(answered).toBe(false)
  const body = JSON.stringify([{ held: true }])
  const put = await fetch(`${sender}/node/simple_app/batches`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': 'text/plain' },
  })
  expect(put.status).toBe(200)
  expect((await held)?.batches).toContain(body)
})

it('a held read ends empty when its wait is over', async () => {
  const [reader] = network.urls() as [string]
  const after = await finalizedIndex(reader, 'simple_app')
  expect(
    await page(`${reader}/node/simple_app/batches/finalized?after=${after}&wait=300`),
  ).toBeNull()
})
