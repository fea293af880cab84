import { afterAll, beforeAll, expect, it } from 'vitest'
import type { LocalNetwork } from '../devnet/localNetwork.ts'
import { finalizedIndex, requestFrom, startReadyNetwork } from './testing.ts'

// Our extension of the finalized page read: `&wait=ms` holds a read that finds nothing new
// until the next finalization, so readers learn of it without polling; with `&beat=ms` the node
// sends a space every beat while it holds, so a reader notices a paused node without waiting
// out the hold.

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

it('a held read with beat= sends a space every beat while it holds, then the page', async () => {
  // Beats at 0.5, 1 and 1.5 s into the hold; at least two by 1.6 s.
  const [reader, sender] = network.urls() as [string, string]
  const after = await finalizedIndex(reader, 'simple_app')
  const url = `${reader}/node/simple_app/batches/finalized?after=${after}&wait=5000&beat=500`
  // Answered (status and headers) at the first beat, while nothing is finalized after `after`.
  const response = await fetch(url)
  expect(response.status).toBe(200)
  const chunks: string[] = []
  const decoder = new TextDecoder()
  const body = response.body!.getReader()
  const reading = (async () => {
    for (;;) {
      const { done, value } = await body.read()
      if (done) return
      chunks.push(decoder.decode(value, { stream: true }))
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 1_600))
  const beats = chunks.join('')
  expect(beats).toMatch(/^ {2,}$/)
  const batch = JSON.stringify([{ beaten: true }])
  const put = await fetch(`${sender}/node/simple_app/batches`, {
    method: 'PUT',
    body: batch,
    headers: { 'Content-Type': 'text/plain' },
  })
  expect(put.status).toBe(200)
  await reading
  const text = chunks.join('')
  expect(text.startsWith(beats)).toBe(true)
  const page = (JSON.parse(text) as { data: { batches: string[] } }).data
  expect(page.batches).toContain(batch)
})

it('a beat asked below 500 ms is 500 ms: held reads of anyone cost a write a beat each', async () => {
  const [reader] = network.urls() as [string]
  const after = await finalizedIndex(reader, 'simple_app')
  const url = `${reader}/node/simple_app/batches/finalized?after=${after}&wait=2000&beat=100`
  const response = await fetch(url)
  const started = performance.now()
  const body = response.body!.getReader()
  let spaces = 0
  for (;;) {
    const { done, value } = await body.read()
    if (done) break
    const text = new TextDecoder().decode(value)
    if (performance.now() - started <= 1_200) spaces += text.replace(/[^ ]/g, '').length
  }
  // From the first beat (the headers, at 0.5 s) 1.2 s on: beats at 0.5, 1 and 1.5 s; at the
  // 100 ms asked, 12.
  expect(spaces).toBeGreaterThanOrEqual(1)
  expect(spaces).toBeLessThanOrEqual(3)
})

it('a held read ends empty when its wait is over', async () => {
  const [reader] = network.urls() as [string]
  const after = await finalizedIndex(reader, 'simple_app')
  expect(
    await page(`${reader}/node/simple_app/batches/finalized?after=${after}&wait=300`),
  ).toBeNull()
})

it('holds at most 16 reads of one client address: its next is answered at once, others still wait', async () => {
  const [reader, sender] = network.urls() as [string, string]
  const after = await finalizedIndex(reader, 'simple_app')
  const path = `/node/simple_app/batches/finalized?after=${after}&wait=5000`
  const greedy = Array.from({ length: 16 }, () => requestFrom('127.0.0.2', reader, 'GET', path))
  let greedyAnswered = 0
  for (const read of greedy) read.then(() => (greedyAnswered += 1)).catch(() => {})
  await new Promise((resolve) => setTimeout(resolve, 300))
  // The 17th is answered empty before any of the 16 it holds.
  expect((await requestFrom('127.0.0.2', reader, 'GET', path)).body).toEqual(
    expect.objectContaining({ data: null }),
  )
  expect(greedyAnswered).toBe(0)
  // Another address is held as before: the next finalization answers it.
  const other = requestFrom('127.0.0.1', reader, 'GET', path)
  await new Promise((resolve) => setTimeout(resolve, 300))
  const body = JSON.stringify([{ other: true }])
  expect(
    (await requestFrom('127.0.0.1', sender, 'PUT', '/node/simple_app/batches', body)).status,
  ).toBe(200)
  expect(((await other).body as { data: { batches: string[] } }).data.batches).toContain(body)
  await Promise.all(greedy)
})
