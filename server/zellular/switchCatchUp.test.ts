import type { Server } from 'node:http'
import { afterEach, beforeAll, expect, it } from 'vitest'
import { chainHash, initZellular, parseSignatureRecord } from '../../shared/zellular/index.ts'
import { listenHttp } from '../listenHttp.ts'
import { Faults } from './faults.ts'
import type { ZellularNode } from './node.ts'
import { catchUpBudgetOf } from './peerCatchUp.ts'
import { createNodeApp } from './routes.ts'
import { finalizedBodies, waitFor } from './testing.ts'
import { answer, fakePeer, makeTestNode, ManualClock, signedProof } from './testNodes.ts'

/*
 * A sequencer switch away from a Byzantine sequencer that gathered a lock with two honest
 * signatures and kept its proof to itself, then stopped: its lock is the best any peer proves,
 * and it serves the batches under it one per page, each just inside the page timeout. Before,
 * every node waited out one page per batch, paused (no signing, no disputes, no client batches).
 * Ports 29000–29029.
 */

beforeAll(() => initZellular())

const lines: string[] = []
const cleanups: (() => void | Promise<void>)[] = []
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') console.log(lines.join(''))
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  lines.length = 0
})

const BODIES = Array.from({ length: 6 }, (_, n) => `batch ${n + 1}`)

/** A lock of `BODIES` signed by nodes 1–3: the one the Byzantine node 1 gathered. */
function lockOfBodies() {
  const hash = BODIES.reduce((previous, body) => chainHash(previous, body), '')
  const point = {
    app_name: 'a',
    state: 'sequenced' as const,
    index: BODIES.length,
    parent_index: 0,
    chaining_hash: hash,
    timestamp: 0,
  }
  return parseSignatureRecord({ ...point, ...signedProof(point, [0, 1, 2]), tag: 0 })
}

/** Four nodes on ports `basePort`…+3, each serving its HTTP API; node 1 with `faults`. */
async function startNodes(basePort: number, config: { sequencerSetupDeadlineMs: number }) {
  const sockets = [0, 1, 2, 3].map((offset) => `http://127.0.0.1:${basePort + offset}`)
  const nodes: ZellularNode[] = []
  for (const position of [0, 1, 2, 3]) {
    const hooks = position === 0 ? new Faults('slow-pages') : undefined
    const { node } = makeTestNode({ position, sockets, config, lines, hooks })
    const app = createNodeApp(node)
    const server = (await listenHttp(app.fetch, '127.0.0.1', basePort + position)) as Server
    cleanups.push(() => {
      node.close()
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    })
    nodes.push(node)
  }
  return { nodes, sockets }
}

/** Starts `node`'s switch from node 1 to node 2; `done` once it has ended. */
function switchAway(node: ZellularNode, from: ZellularNode, to: ZellularNode) {
  const state = { done: false, error: undefined as unknown }
  node.switcher.switchTo(to.id, from.id).then(
    () => (state.done = true),
    (error: unknown) => (state.error = error),
  )
  return state
}

it(
  'a switch away from a sequencer that drips the batches under its lock ends within the setup deadline, and the network finalizes again',
  {
    timeout: 90_000,
  },
  async () => {
    const config = { sequencerSetupDeadlineMs: 5_000 }
    const bound = catchUpBudgetOf(config) + 2_000
    const { nodes, sockets } = await startNodes(29_000, config)
    const [byzantine, next, signer, late] = nodes as [ZellularNode, ...ZellularNode[]]
    // Nodes 1–3 hold the batches and signed the lock; node 4 never got them.
    for (const node of [byzantine, next!, signer!]) node.chain.append('a', BODIES, Date.now())
    expect(byzantine.chain.promote('a', lockOfBodies())).toBeNull()

    // Node 4 switches first: node 1 alone offers the lock; the signers serve its batches.
    const first = switchAway(late!, byzantine, next!)
    await waitFor(() => first.done, bound)
    expect(late!.logs.get('a').lastLocked).toBe(BODIES.length)
    // Nodes 2 and 3 take the lock over the batches they hold.
    const others = [next!, signer!].map((node) => switchAway(node, byzantine, next!))
    await waitFor(() => others.every((state) => state.done), bound)
    const honest = [next!, signer!, late!]
    for (const node of honest) expect(node.role.sequencerId).toBe(next!.id)

    // The network finalizes again: the locked batches, then a new one.
    for (const node of honest) {
      node.start()
      cleanups.push(() => node.stop())
    }
    // Taken once node 4 has synced with node 2 (503 until then).
    await waitFor(async () => {
      const response = await fetch(`${sockets[3]}/node/a/batches`, {
        method: 'PUT',
        body: 'after the switch',
        headers: { 'Content-Type': 'text/plain' },
      })
      return response.status === 200
    }, 10_000)
    const expected = [...BODIES, 'after the switch']
    await waitFor(async () => {
      const histories = await Promise.all(
        [1, 2, 3].map((position) => finalizedBodies(sockets[position]!, 'a')),
      )
      return histories.every((history) => expected.every((body, i) => history[i] === body))
    }, 20_000)
  },
)

/** The lock's holder, node 1: it offers the lock and answers each page with `page`. */
async function lockHolder(
  port: number,
  page: (after: number) => string[],
  beforeAnswer = () => {},
) {
  const lock = lockOfBodies()
  return fakePeer((request, _body, response) => {
    const url = new URL(request.url!, 'http://x')
    if (url.pathname === '/node/a/batches/locked/last') {
      const data = {
        app_name: 'a',
        index: lock.index,
        chaining_hash: lock.chaining_hash,
        parent_index: 0,
        locked_signature: lock.signature,
        locked_nonsigners: lock.nonsigners,
      }
      return answer(response, 200, { status: 'success', data })
    }
    if (url.pathname === '/node/a/batches/sequenced') {
      beforeAnswer()
      const batches = page(Number(url.searchParams.get('after')))
      return answer(response, 200, {
        status: 'success',
        data: { batches, finalized_signatures: [] },
      })
    }
    answer(response, 200, { status: 'success', data: null })
  }, port)
}

/** A peer that offers no proof and serves `BODIES` as its sequenced batches. */
async function plainPeer(port: number) {
  return fakePeer((request, _body, response) => {
    const url = new URL(request.url!, 'http://x')
    if (url.pathname === '/node/a/batches/sequenced') {
      const batches = BODIES.slice(Number(url.searchParams.get('after')))
      return answer(response, 200, {
        status: 'success',
        data: { batches, finalized_signatures: [] },
      })
    }
    answer(response, 200, { status: 'success', data: null })
  }, port)
}

const pagesAsked = (peer: { requests: string[] }) =>
  peer.requests.filter((request) => request.includes('/batches/sequenced')).length

it('a node holding the batches under the best lock takes the lock over them, asking no page', async () => {
  const holder = await lockHolder(29_010, (after) => BODIES.slice(after))
  const peer = await plainPeer(29_011)
  cleanups.push(
    () => holder.close(),
    () => peer.close(),
  )
  const sockets = [holder.url, peer.url, peer.url, peer.url]
  const { node, ids } = makeTestNode({ position: 1, sockets, lines })
  cleanups.push(() => node.close())
  node.chain.append('a', BODIES, Date.now()) // it signed the lock over them
  await node.switcher.switchTo(ids[1]!, ids[0]!)
  expect(node.logs.get('a').lastLocked).toBe(BODIES.length)
  expect(pagesAsked(holder)).toBe(0)
})

it('a source whose pace cannot reach the lock by the deadline is left after one page for another signer', async () => {
  // Each page of the lock's holder takes a second on the node's clock and brings one batch:
  // six batches would take six seconds, past the five the switch has.
  const clock = new ManualClock()
  const holder = await lockHolder(
    29_020,
    (after) => BODIES.slice(after, after + 1),
    () => clock.advance(1_000),
  )
  const signer = await plainPeer(29_021)
  cleanups.push(
    () => holder.close(),
    () => signer.close(),
  )
  const sockets = [holder.url, signer.url, 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const config = { sequencerSetupDeadlineMs: 5_000 }
  const { node, ids } = makeTestNode({ position: 3, sockets, config, clock, lines })
  cleanups.push(() => node.close())
  await node.switcher.switchTo(ids[1]!, ids[0]!)
  expect(node.logs.get('a').lastLocked).toBe(BODIES.length)
  expect(pagesAsked(holder)).toBe(1)
  expect(pagesAsked(signer)).toBe(1)
})
