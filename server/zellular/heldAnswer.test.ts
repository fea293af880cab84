import type { AddressInfo } from 'node:net'
import type { ServerType } from '@hono/node-server'
import { afterEach, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { listenHttp } from '../listenHttp.ts'
import type { ZellularNode } from './node.ts'
import { createNodeApp } from './routes.ts'
import { makeTestNode } from './testNodes.ts'

// An idle follower's PUT is held by its sequencer for `followerIdleHoldMs` while everything is
// finalized, and the sequencer beats (a space a second) while it holds, so a long hold costs
// few PUTs without hiding a silent sequencer. Real nodes, on 127.0.0.1.

beforeAll(() => initZellular())

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** A sequencer node serving its routes, and a follower of it, counting the PUTs it takes. */
async function sequencerAndFollower(config: {
  followerHoldMs: number
  followerIdleHoldMs: number
}) {
  const sequencer = makeTestNode({ position: 0, config }).node
  const server: ServerType = await listenHttp(createNodeApp(sequencer).fetch, '127.0.0.1', 0)
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const puts = { count: 0 }
  // Every PUT the sequencer takes, through its route (`admit`, then `take`) or `accept`.
  const take = sequencer.inbox.take.bind(sequencer.inbox)
  sequencer.inbox.take = (signer, request, digests) => {
    puts.count += 1
    return take(signer, request, digests)
  }
  const sockets = [url, 'http://127.0.0.1:1', 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const { node: follower, ids } = makeTestNode({ position: 1, sockets, config })
  cleanups.push(async () => {
    await follower.stop()
    follower.close()
    await new Promise((resolve) => server.close(resolve))
    sequencer.close()
  })
  return { sequencer, follower, url, ids, puts }
}

/** The signed PUT of a follower that holds nothing, asking its sequencer to hold it. */
function idlePut(
  follower: ZellularNode,
  sequencerId: string,
  hold: { wait_ms: number; beat_ms: number },
) {
  const log = follower.logs.get('a')
  const body = JSON.stringify({
    app_name: 'a',
    batches: [],
    sequenced_index: 0,
    sequenced_chaining_hash: log.chainingHashAt(0),
    locked_index: 0,
    locked_chaining_hash: log.chainingHashAt(0),
    finalized_index: 0,
    timestamp: Math.floor(Date.now() / 1000),
    ...hold,
  })
  const headers = follower.context.peers.signedHeaders(
    'PUT',
    sequencerId,
    '/sequencer/batches',
    body,
  )
  return { body, headers }
}

it('an idle follower sends a PUT per idle hold to a sequencer that holds it and beats', async () => {
  const { follower, puts } = await sequencerAndFollower({
    followerHoldMs: 250,
    followerIdleHoldMs: 1_500,
  })
  follower.start()
  await new Promise((resolve) => setTimeout(resolve, 3_200))
  // The first catch-up PUT, then one per 1.5 s hold (one per 250 ms without the idle hold).
  expect(puts.count).toBeGreaterThanOrEqual(2)
  expect(puts.count).toBeLessThanOrEqual(4)
  expect(follower.poster.synced).toBe(true)
  expect(follower.poster.sequencerDown).toBe(false)
})

it('the sequencer answers a held PUT still held after a beat with a space, and one a beat', async () => {
  const { follower, url, ids } = await sequencerAndFollower({
    followerHoldMs: 250,
    followerIdleHoldMs: 1_500,
  })
  const path = '/sequencer/batches'
  const { body, headers } = idlePut(follower, ids[0]!, { wait_ms: 1_000, beat_ms: 300 })
  const started = performance.now()
  const response = await fetch(url + path, { method: 'PUT', body, headers })
  expect(response.status).toBe(200)
  const chunks: { at: number; text: string }[] = []
  const decoder = new TextDecoder()
  const reader = response.body!.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push({ at: performance.now() - started, text: decoder.decode(read.value) })
  }
  expect(chunks[0]!.text).toBe(' ')
  expect(chunks[0]!.at).toBeLessThan(500)
  const text = chunks.map((chunk) => chunk.text).join('')
  expect(text).toMatch(/^ {3,4}\{/)
  expect(JSON.parse(text)).toMatchObject({ status: 'success', data: { batches: [] } })
  expect(chunks.at(-1)!.at).toBeGreaterThanOrEqual(950)
})

it('a held PUT answered within its first beat is one plain JSON answer, not a stream', async () => {
  const { sequencer, follower, url, ids } = await sequencerAndFollower({
    followerHoldMs: 250,
    followerIdleHoldMs: 1_500,
  })
  const path = '/sequencer/batches'
  const { body, headers } = idlePut(follower, ids[0]!, { wait_ms: 5_000, beat_ms: 1_000 })
  const answering = fetch(url + path, { method: 'PUT', body, headers })
  setTimeout(
    () => sequencer.intake.accept('local', [{ app: 'a', bodies: ['["news"]'] }], Date.now()),
    100,
  )
  const response = await answering
  // Sent whole (its length announced), so the socket takes it in one write: no headers and
  // spaces first, no chunked stream. Under load most holds end this way.
  expect(response.headers.get('content-length')).not.toBeNull()
  const text = await response.text()
  expect(text.startsWith('{')).toBe(true)
  expect(JSON.parse(text)).toMatchObject({ data: { batches: ['["news"]'] } })
})

it('a follower leaving a held PUT early (client batches came) leaves the sequencer serving', async () => {
  const { sequencer, follower, url } = await sequencerAndFollower({
    followerHoldMs: 250,
    followerIdleHoldMs: 1_500,
  })
  await follower.poster.post() // synced: the next PUT is held
  for (let round = 0; round < 3; round++) {
    const held = follower.poster.post()
    await new Promise((resolve) => setTimeout(resolve, 200))
    follower.intake.accept('local', [{ app: 'a', bodies: [`["batch ${round}"]`] }], Date.now())
    await held
    await follower.poster.post() // carries the batch
  }
  // The abandoned holds ended on the sequencer without an error; it still answers.
  await new Promise((resolve) => setTimeout(resolve, 1_800))
  expect(sequencer.logs.get('a').lastSequenced).toBe(3)
  expect((await fetch(`${url}/node/state`)).status).toBe(200)
})
