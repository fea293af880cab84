import { afterEach, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { HELD_ANSWER_MARGIN_MS, HELD_SILENCE_MARGIN_MS } from './batchPoster.ts'
import { HOLD_BEAT_MS } from './heldAnswer.ts'
import type { NodeConfig } from './config.ts'
import { answer, fakePeer, makeTestNode, sequencerAnswer } from './testNodes.ts'

// Loops on work (`wakeOnWork`): an idle follower asks its sequencer to hold its PUT until there
// is news, and client batches end that held PUT so they go out at once.

beforeAll(() => initZellular())

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A sequencer that echoes what it gets and holds a PUT asking to wait, recording each PUT. */
async function holdingSequencer() {
  const puts: { batches: string[]; wait_ms?: number }[] = []
  let answeredHeld = 0
  const timers = new Set<NodeJS.Timeout>()
  const peer = await fakePeer((_request, body, response) => {
    const put = JSON.parse(body) as { batches: string[]; wait_ms?: number }
    puts.push(put)
    const reply = () => answer(response, 200, sequencerAnswer({ batches: put.batches }))
    if (put.wait_ms === undefined || put.batches.length > 0) return reply()
    const timer = setTimeout(() => {
      answeredHeld += 1
      reply()
    }, put.wait_ms)
    timers.add(timer)
  })
  cleanups.push(() => {
    for (const timer of timers) clearTimeout(timer)
    peer.close()
  })
  return { peer, puts, answeredHeld: () => answeredHeld }
}

/** A follower of the sequencer at `sequencerUrl` (the other peers are nowhere), held 30 s. */
function followerOf(sequencerUrl: string, config: Partial<NodeConfig>) {
  const sockets = [sequencerUrl, 'http://127.0.0.1:1', 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const held = { followerHoldMs: 30_000, followerIdleHoldMs: 30_000 }
  const { node } = makeTestNode({ position: 1, sockets, config: { ...held, ...config } })
  cleanups.push(() => node.close())
  return node
}

it('an idle follower asks the sequencer to hold its PUT; client batches end the hold', async () => {
  const sequencer = await holdingSequencer()
  const node = followerOf(sequencer.peer.url, { wakeOnWork: true })
  await node.poster.post() // the first catch-up round: synced, nothing new
  expect(node.poster.synced).toBe(true)
  const held = node.poster.post()
  await waitUntil(() => sequencer.puts.length === 2)
  expect(sequencer.puts[1]).toMatchObject({ batches: [], wait_ms: 30_000, beat_ms: 500 })
  // A client batch arrives: the held PUT ends (not at the sequencer's 30 s), and the next
  // round carries the batch, not held.
  node.intake.accept('local', [{ app: 'a', bodies: ['["hello"]'] }], Date.now())
  await held
  expect(sequencer.answeredHeld()).toBe(0)
  expect(node.poster.sequencerDown).toBe(false)
  await node.poster.post()
  expect(sequencer.puts.at(-1)).toEqual(expect.objectContaining({ batches: ['["hello"]'] }))
  expect(sequencer.puts.at(-1)?.wait_ms).toBeUndefined()
  expect(node.logs.get('a').lastSequenced).toBe(1)
})

it('without wakeOnWork every PUT is answered at once, as with zsequencer', async () => {
  const sequencer = await holdingSequencer()
  const node = followerOf(sequencer.peer.url, { wakeOnWork: false })
  await node.poster.post()
  await node.poster.post()
  expect(sequencer.puts).toHaveLength(2)
  expect(sequencer.puts.every((put) => put.wait_ms === undefined)).toBe(true)
})

it('a held PUT the sequencer never answers marks it down a margin after the hold, not 5 s after', async () => {
  // A paused sequencer accepts the connection and answers nothing. An idle follower's PUT is
  // held anyway, so the follower knows when the answer is due: the hold, plus a margin.
  let paused = false
  const sequencer = await fakePeer((_request, _body, response) => {
    if (paused) return
    answer(response, 200, sequencerAnswer())
  })
  cleanups.push(() => sequencer.close())
  const sockets = [sequencer.url, 'http://127.0.0.1:1', 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const config = { wakeOnWork: true, followerHoldMs: 100, followerIdleHoldMs: 100 }
  const { node } = makeTestNode({ position: 1, sockets, config })
  cleanups.push(() => node.close())
  const timeouts: number[] = []
  const send = node.context.peers.send.bind(node.context.peers)
  node.context.peers.send = (method, target, path, payload, timeoutMs, signal) => {
    timeouts.push(timeoutMs)
    return send(method, target, path, payload, timeoutMs, signal)
  }
  await node.poster.post() // the first round: synced, nothing new, so the next one is held
  expect(node.poster.synced).toBe(true)
  paused = true
  await node.poster.post()
  expect(node.poster.sequencerDown).toBe(true)
  expect(timeouts.at(-1)).toBe(100 + HELD_ANSWER_MARGIN_MS)
})

it('an idle follower holds its PUT for the idle hold, and for the short one while a batch waits for finalization', async () => {
  const sequencer = await holdingSequencer()
  const config = { wakeOnWork: true, followerHoldMs: 50, followerIdleHoldMs: 200 }
  const node = followerOf(sequencer.peer.url, config)
  await node.poster.post()
  await node.poster.post()
  expect(sequencer.puts.at(-1)?.wait_ms).toBe(200)
  node.intake.accept('local', [{ app: 'a', bodies: ['["hello"]'] }], Date.now())
  await node.poster.post() // carries the batch: sequenced here, not finalized
  await node.poster.post()
  expect(node.logs.get('a').lastSequenced).toBe(1)
  expect(sequencer.puts.at(-1)?.wait_ms).toBe(50)
})

it('a sequencer that stops beating while it holds a PUT is marked down a beat and a margin later, not after the hold', async () => {
  // A sequencer of ours answers a held PUT with its headers and a space at once, then a space a
  // beat; one paused mid-hold sends nothing more.
  const beats: number[] = []
  const sequencer = await fakePeer((_request, body, response) => {
    const put = JSON.parse(body) as { wait_ms?: number; beat_ms?: number }
    if (put.wait_ms === undefined) return answer(response, 200, sequencerAnswer())
    if (put.beat_ms !== undefined) beats.push(put.beat_ms)
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.write(' ') // then silence: paused
  })
  cleanups.push(() => sequencer.close())
  const sockets = [sequencer.url, 'http://127.0.0.1:1', 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const config = { wakeOnWork: true, followerIdleHoldMs: 30_000 }
  const { node } = makeTestNode({ position: 1, sockets, config })
  cleanups.push(() => node.close())
  await node.poster.post()
  const started = performance.now()
  await node.poster.post()
  const tookMs = performance.now() - started
  expect(node.poster.sequencerDown).toBe(true)
  // It asked for a half-second beat, and noticed the silence a beat and a second after the last
  // space (1.5 s): not a second beat and the 2 s answer margin (2.5 s), nor a 1 s beat (2 s).
  expect(beats).toEqual([500])
  expect(tookMs).toBeGreaterThanOrEqual(HOLD_BEAT_MS + HELD_SILENCE_MARGIN_MS - 50)
  expect(tookMs).toBeLessThan(1_900)
})

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10))
}

it('a follower whose queued batches wait for its forwarding budget holds its PUT only until the budget frees', async () => {
  const sequencer = await holdingSequencer()
  // 4 nodes, 4 posting: a follower forwards 256 / 4 / 4 = 16 KB a second, four of these batches.
  const node = followerOf(sequencer.peer.url, { wakeOnWork: true, bandwidthKbPerWindow: 256 })
  await node.poster.post()
  const batches = Array.from({ length: 5 }, (_, n) => `${n}`.padEnd(4_000, 'b'))
  node.intake.accept('local', [{ app: 'a', bodies: batches }], Date.now())
  await node.poster.post()
  expect(sequencer.puts[1]?.batches.length).toBe(4)
  // The fifth waits for the budget: the next PUT carries nothing and asks to be held till then.
  const round = node.poster.post()
  await waitUntil(() => sequencer.puts.length === 3)
  expect(sequencer.puts[2]?.batches).toEqual([])
  expect(sequencer.puts[2]?.wait_ms).toBeGreaterThan(0)
  expect(sequencer.puts[2]?.wait_ms).toBeLessThanOrEqual(1_000) // the window, not 30 s
  await round
  await node.poster.post()
  expect(sequencer.puts.at(-1)?.batches).toEqual([batches[4]])
})
