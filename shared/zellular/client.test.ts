import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'lossless-json'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  fetchTransport,
  loadNetwork,
  ZellularClient,
  type NodeState,
  type NodeTransport,
  type ZellularClientParameters,
} from './client.ts'
import {
  NodeHttpError,
  NoAvailableNodeError,
  ProofError,
  UnprovenPagesError,
  type ZellularError,
} from './errors.ts'
import { chainHash, chainHashes } from './hash.ts'
import { bls, initZellular } from './index.ts'
import { formatNodesFile } from './nodesFile.ts'
import type { VerifiedBatch } from './pageVerifier.ts'
import {
  buildTestCommittee,
  TEST_APP,
  TestChain,
  type TestCommittee,
  type WireProof,
} from './testing.ts'

// Real HTTP servers on 127.0.0.1 play zsequencer nodes with canned, genuinely signed pages
// (keys, chain and proofs from ./testing.ts). No fetch is mocked.

type Mode =
  | 'good'
  | 'not_synced'
  | 'sequencer'
  | 'lying'
  | 'legacy'
  // Pages of the shared history, correctly chained and without end, but never a proof.
  | 'unproven'
  // A history whose first batch differs, with its own (quorum-signed) proofs: a fork.
  | 'fork'
  // An answer that never ends (chunked), or declares a huge Content-Length with `declareLength`.
  | 'flood'

interface Recorded {
  readonly method: string
  readonly path: string
  readonly contentType: string | undefined
  readonly body: string
  /** The `after` of a page read. */
  readonly after: number | undefined
  /** The `wait` (ms) a page read asked for, if any. */
  readonly wait: number | undefined
  /** The `beat` (ms) a page read asked for, if any. */
  readonly beat: number | undefined
}

const BODIES = Array.from({ length: 12 }, (_, i) => bodyAt(i + 1))
const SYNC_POINTS = [3, 7, 12]
const FLOOD_LIMIT = 64 * 1024 * 1024

function bodyAt(index: number): string {
  return JSON.stringify([{ tx_id: `t${index}` }])
}

/** The shared history (BODIES first) continued without end, chained; no proofs. */
class EndlessChain {
  readonly #hashes = ['']

  hashAt(index: number): string {
    while (this.#hashes.length <= index) {
      const next = this.#hashes.length
      this.#hashes.push(chainHash(this.#hashes[next - 1]!, bodyAt(next)))
    }
    return this.#hashes[index]!
  }

  page(after: number, count: number) {
    const batches = Array.from({ length: count }, (_, offset) => bodyAt(after + 1 + offset))
    return { batches, first_chaining_hash: this.hashAt(after + 1), finalized_signatures: [] }
  }
}

const endless = new EndlessChain()

/** zsequencer's error envelope. */
function failure(status: number, code: string) {
  return { status, body: { status: 'error', error: { code, message: code } } }
}

/** A stand-in for one zsequencer node, serving a prefix of the shared chain. */
class FakeNode {
  readonly requests: Recorded[] = []
  /** Answers to give to the next PUTs before accepting them. */
  readonly putFailures: { status: number; body: unknown }[] = []
  finalized = BODIES.length
  pageSize = 4
  /** Wait before answering a page read. */
  delayMs = 0
  /**
   * Our nodes' extension: a page read with `wait=ms` that finds nothing new is held until
   * `finalized` moves or the wait is over. Off: zsequencer, which ignores `wait`.
   */
  longPoll = false
  /**
   * A node paused while it holds a read: the answer's status, headers and first space go out
   * (as our nodes send at a read's first beat), then nothing more.
   */
  stallHeldReads = false
  /** A paused node (SIGSTOP): it keeps every connection and answers nothing at all. */
  paused = false
  /** While this says no, page reads get 503 NotSynced. */
  gate: (() => boolean) | undefined
  /** `flood`: send a Content-Length header (of FLOOD_LIMIT) instead of chunks. */
  declareLength = false
  /** `flood`: bytes the socket took before the client hung up (or all of them). */
  flooded = 0
  /** `good`: another history to serve than BODIES with proofs at SYNC_POINTS. */
  history: { readonly chain: TestChain; readonly proofs: readonly WireProof[] } | undefined
  id = ''
  server: Server | undefined
  url = ''

  constructor(
    public mode: Mode,
    readonly knownApps: readonly string[] = [TEST_APP],
  ) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let body = ''
      request.setEncoding('utf8')
      request.on('data', (chunk: string) => (body += chunk))
      request.on('end', () => this.#handle(request, body, response))
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  count(method: string, prefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(prefix)).length
  }

  #handle(request: IncomingMessage, body: string, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://node')
    const contentType = request.headers['content-type']
    const afterParameter = url.searchParams.get('after')
    const after = afterParameter === null ? undefined : Number(afterParameter)
    const method = request.method ?? ''
    const waitParameter = url.searchParams.get('wait')
    const wait = waitParameter === null ? undefined : Number(waitParameter)
    const beatParameter = url.searchParams.get('beat')
    const beat = beatParameter === null ? undefined : Number(beatParameter)
    this.requests.push({ method, path: url.pathname, contentType, body, after, wait, beat })
    if (this.paused) return
    if (this.longPoll && wait !== undefined && after !== undefined && after >= this.finalized) {
      if (this.stallHeldReads) {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write(' ')
        return
      }
      const deadline = performance.now() + wait
      const held = () => {
        if (this.finalized > after || performance.now() >= deadline) {
          this.#answer(request, url, body, response)
        } else setTimeout(held, 5)
      }
      return held()
    }
    if (this.delayMs > 0 && after !== undefined) {
      setTimeout(() => this.#answer(request, url, body, response), this.delayMs)
      return
    }
    this.#answer(request, url, body, response)
  }

  #answer(request: IncomingMessage, url: URL, body: string, response: ServerResponse) {
    const contentType = request.headers['content-type']
    const send = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(typeof payload === 'string' ? payload : JSON.stringify(payload))
    }
    const ok = (data: unknown) =>
      send(200, { status: 'success', message: 'Operation successful', data })
    const error = (status: number, code: string, message = code) =>
      send(status, { status: 'error', error: { code, message } })

    if (request.method === 'GET' && url.pathname === '/node/state') return send(200, this.#state())
    if (this.mode === 'flood') return this.#flood(response)
    if (this.mode === 'not_synced' || this.gate?.() === false) {
      return error(503, 'NotSyncedError', 'The node is not synced with the sequencer.')
    }
    if (request.method === 'PUT') {
      const failure = this.putFailures.shift()
      if (failure) return send(failure.status, failure.body)
    }
    if (request.method === 'PUT' && url.pathname === '/node/batches') {
      const parsed: unknown = contentType === 'application/json' ? JSON.parse(body) : undefined
      if (typeof parsed !== 'object' || parsed === null) return send(422, { detail: [] })
      return ok({})
    }
    const [, node, app, batches, state, last] = url.pathname.split('/')
    if (node !== 'node' || batches !== 'batches') return send(404, { detail: 'Not Found' })
    if (!this.knownApps.includes(app!)) {
      return error(400, 'InvalidRequestError', `Invalid app name: ${app}.`)
    }
    if (request.method === 'PUT') {
      if (contentType !== 'text/plain') {
        const detail = [{ type: 'string_type', loc: ['body'], msg: 'Input should be a string' }]
        return send(422, { detail })
      }
      return ok({})
    }
    if (state !== 'finalized') return ok(null)
    const chain = this.#chain()
    if (last === 'last') return ok(this.#lastRecord(chain))
    const after = Number(url.searchParams.get('after') ?? 0)
    if (this.mode === 'unproven') return ok(endless.page(after, this.pageSize))
    if (this.mode === 'fork') {
      const fork = new TestChain(committee, ['["fork"]', ...BODIES.slice(1)])
      return ok(fork.page(after, this.pageSize, fork.proofs(SYNC_POINTS)))
    }
    if (after >= this.finalized) return ok(null)
    const count = Math.min(this.pageSize, this.finalized - after)
    if (this.mode === 'legacy') {
      return ok(
        chain.legacyPage(
          after,
          count,
          SYNC_POINTS.map((i) => chain.legacyProof(i)),
        ),
      )
    }
    const page = chain.page(after, count, this.history?.proofs ?? chain.proofs(SYNC_POINTS))
    if (this.mode === 'lying') {
      // A careful liar: the forged first body comes with a matching first_chaining_hash, so
      // only the finalization proofs can expose it.
      page.batches[0] = '["forged"]'
      page.first_chaining_hash = chainHash(chain.hashAt(after), '["forged"]')
    }
    return ok(page)
  }

  #chain() {
    return this.history?.chain ?? new TestChain(committee, BODIES)
  }

  /** A success envelope that starts well and never ends: blanks until the client hangs up. */
  #flood(response: ServerResponse) {
    const head = '{"status": "success", "data": '
    response.writeHead(200, {
      'content-type': 'application/json',
      ...(this.declareLength ? { 'content-length': String(FLOOD_LIMIT) } : {}),
    })
    const chunk = Buffer.alloc(64 * 1024, ' ')
    let sent = head.length
    response.write(head)
    const pump = () => {
      while (sent + chunk.length <= FLOOD_LIMIT) {
        sent += chunk.length
        if (!response.write(chunk)) return void response.once('drain', pump)
      }
      response.end()
    }
    response.once('close', () => (this.flooded = Math.max(this.flooded, sent)))
    pump()
  }

  #lastRecord(chain: TestChain) {
    const index = SYNC_POINTS.filter((i) => i <= this.finalized).at(-1)
    if (index === undefined) return null
    if (this.mode === 'legacy') return chain.legacyLastRecord(chain.legacyProof(index))
    const proof = chain.proofs(SYNC_POINTS).find((p) => p.index === index)!
    const record = chain.lastRecord(proof)
    return this.mode === 'lying' ? { ...record, timestamp: record.timestamp + 1 } : record
  }

  /** `/node/state` text with ~77-digit key coordinates as bare JSON numbers, as zsequencer. */
  #state(): string {
    const info = committee?.nodes[this.id]
    return stringify({
      status: 'success',
      message: 'Operation successful',
      data: {
        sequencer: this.mode === 'sequencer',
        version: 'v0.1.7',
        sequencer_id: this.mode === 'sequencer' ? this.id : '0x' + '9'.repeat(40),
        node_id: this.id,
        pubkeyG2_X: info?.pubkeyG2_X ?? [],
        pubkeyG2_Y: info?.pubkeyG2_Y ?? [],
        address: this.id,
        apps: Object.fromEntries(
          this.knownApps.map((app) => [
            app,
            {
              last_sequenced_index: 20,
              last_locked_index: this.finalized,
              last_finalized_index: this.finalized,
            },
          ]),
        ),
      },
    })!
  }
}

let committee: TestCommittee
const running: Server[] = []
/** What clients made by `clientFor` reported through `onWarning`, with the node id. */
const warnings: { error: ZellularError; node: string }[] = []

beforeAll(async () => {
  await initZellular()
})

afterEach(async () => {
  warnings.length = 0
  for (const server of running.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A URL on which nothing listens: a port that was just free. */
async function unreachableUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

/**
 * Starts the nodes and builds the 4-operator committee over their sockets; positions left out or
 * undefined get a port nothing listens on.
 */
async function startNetwork(modes: readonly (FakeNode | undefined)[]) {
  const padded = Array.from({ length: 4 }, (_, position) => modes[position])
  const nodes = await Promise.all(padded.map((node) => node?.start()))
  for (const node of nodes) if (node?.server) running.push(node.server)
  const sockets = await Promise.all(nodes.map((node) => node?.url ?? unreachableUrl()))
  committee = buildTestCommittee({ sockets })
  committee.keys.forEach((key, position) => {
    if (nodes[position]) nodes[position].id = key.id
  })
  return nodes
}

function clientFor(options: Partial<ZellularClientParameters> = {}) {
  return new ZellularClient({
    app: TEST_APP,
    network: committee.network,
    timeoutMs: 2_000,
    pollIntervalMs: 10,
    maxBackoffMs: 40,
    onWarning: (error, node) => warnings.push({ error, node }),
    ...options,
  })
}

/**
 * Reads `count` batches, or as many as come within `ms` (then stops the stream); a stream that
 * throws rejects. `timedOut` says the stream was still short when the time was up.
 */
async function collectWithin(
  client: ZellularClient,
  count: number,
  ms: number,
  parameters: { after?: number; chainingHash?: string; node?: string; startAt?: string } = {},
) {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, ms)
  const batches: VerifiedBatch[] = []
  try {
    for await (const batch of client.batches({ ...parameters, signal: controller.signal })) {
      batches.push(batch)
      if (batches.length === count) controller.abort()
    }
  } finally {
    clearTimeout(timer)
  }
  return { batches, timedOut }
}

/** An honest node that answers 503 until every one of `others` has been asked for a page. */
function gatedGoodNode(others: readonly FakeNode[]): FakeNode {
  const node = new FakeNode('good')
  node.gate = () => others.every((other) => other.count('GET', `/node/${TEST_APP}/batches`) > 0)
  return node
}

/**
 * Runs of page reads from one node that each continued the one before (`after` one page on):
 * for each, the batches and body length the client held unproven when it sent the last read.
 */
function heldRuns(node: FakeNode) {
  const afters = node.requests.flatMap((r) => (r.after === undefined ? [] : [r.after]))
  const runs: { batches: number; bytes: number; reads: number }[] = []
  let first = 0
  for (let i = 0; i < afters.length; i++) {
    if (i > 0 && afters[i] !== afters[i - 1]! + node.pageSize) first = i
    const from = afters[first]!
    const to = afters[i]!
    let bytes = 0
    for (let index = from + 1; index <= to; index++) bytes += bodyAt(index).length
    runs[first] = { batches: to - from, bytes, reads: i - first + 1 }
  }
  return runs.filter(Boolean)
}

async function collect(client: ZellularClient, count: number, after = 0, chainingHash?: string) {
  const controller = new AbortController()
  const out: VerifiedBatch[] = []
  for await (const batch of client.batches({ after, chainingHash, signal: controller.signal })) {
    out.push(batch)
    if (out.length === count) controller.abort()
  }
  return out
}

function expectChain(batches: readonly VerifiedBatch[], from: number, to: number) {
  const chain = new TestChain(committee, BODIES)
  const indices = Array.from({ length: to - from + 1 }, (_, offset) => from + offset)
  expect(batches.map((batch) => batch.index)).toEqual(indices)
  for (const batch of batches) {
    expect(batch.body).toBe(BODIES[batch.index - 1])
    expect(batch.chainingHash).toBe(chain.hashAt(batch.index))
  }
}

describe('ZellularClient.nodeStates', () => {
  it('reads every node, big key numbers included, and reports the unreachable one', async () => {
    await startNetwork([
      new FakeNode('good'),
      new FakeNode('sequencer'),
      undefined,
      new FakeNode('not_synced'),
    ])
    const states = await clientFor().nodeStates()
    expect(states).toHaveLength(4)
    type Four = [NodeState, NodeState, NodeState, NodeState]
    const [good, sequencer, down, notSynced] = states as Four
    expect(good).toMatchObject({ ok: true, sequencer: false, version: 'v0.1.7' })
    expect(good.ok && good.apps[TEST_APP]).toEqual({
      lastSequencedIndex: 20,
      lastLockedIndex: 12,
      lastFinalizedIndex: 12,
    })
    expect(sequencer).toMatchObject({ ok: true, sequencer: true, sequencerId: sequencer.id })
    expect(notSynced.ok).toBe(true)
    expect(down.ok).toBe(false)
    expect(!down.ok && down.error).toBeInstanceOf(NodeHttpError)
    expect(!down.ok && (down.error as NodeHttpError).code).toBe('NetworkError')
  })
})

describe('ZellularClient.send', () => {
  it('skips a 503 node, an unreachable one and the sequencer, then keeps its gateway', async () => {
    const [notSynced, , good, sequencer] = await startNetwork([
      new FakeNode('not_synced'),
      undefined,
      new FakeNode('good'),
      new FakeNode('sequencer'),
    ])
    // Several clients, so several random orders of the candidates.
    for (let round = 1; round <= 4; round++) {
      const client = clientFor()
      await client.send(`batch ${round}`)
      expect(client.gateway).toBe(good!.id)
      expect(good!.count('PUT', '/node/')).toBe(2 * round - 1)
      const statesBefore = good!.count('GET', '/node/state')
      await client.send(`batch ${round}b`)
      expect(good!.count('GET', '/node/state')).toBe(statesBefore)
      expect(good!.count('PUT', '/node/')).toBe(2 * round)
    }
    expect(sequencer!.count('PUT', '/node/')).toBe(0)
    expect(notSynced!.count('PUT', '/node/')).toBeLessThanOrEqual(4)
    const put = good!.requests.find((r) => r.method === 'PUT')!
    expect(put).toMatchObject({
      path: `/node/${TEST_APP}/batches`,
      contentType: 'text/plain',
      body: 'batch 1',
    })
  })

  it('moves to another node when its gateway starts failing', async () => {
    const [first, second] = await startNetwork([new FakeNode('good'), new FakeNode('good')])
    const client = clientFor()
    await client.send('one')
    const [used, other] = client.gateway === first!.id ? [first!, second!] : [second!, first!]
    used.mode = 'not_synced'
    await client.send('two')
    expect(client.gateway).toBe(other.id)
    expect(other.requests.at(-1)).toMatchObject({ method: 'PUT', body: 'two' })
  })

  it('leaves a paused gateway soon, not at the request timeout', async () => {
    // A node answers a PUT and `/node/state` at once (it only queues the batch): one that has
    // not started to answer within `quickAnswerMs` is paused or cut off. Waiting for the
    // request timeout (here a minute) held every batch of a replica whose gateway paused, and
    // asking the paused node's state again to rank the others held it as long once more.
    const [first, second] = await startNetwork([new FakeNode('good'), new FakeNode('good')])
    const client = clientFor({ timeoutMs: 60_000, quickAnswerMs: 300 })
    await client.send('one')
    const [used, other] = client.gateway === first!.id ? [first!, second!] : [second!, first!]
    used.paused = true
    const statesBefore = used.count('GET', '/node/state')
    await client.send('two')
    expect(client.gateway).toBe(other.id)
    expect(other.requests.at(-1)).toMatchObject({ method: 'PUT', body: 'two' })
    expect(used.count('GET', '/node/state')).toBe(statesBefore)
  })

  it('throws client errors at once, without trying another node', async () => {
    const [good, spare] = await startNetwork([new FakeNode('good'), new FakeNode('good')])
    const puts = () => good!.count('PUT', '/') + spare!.count('PUT', '/')

    const unknownApp = clientFor({ app: 'unknown_app' })
    const error = await unknownApp.send('x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NodeHttpError)
    expect(error).toMatchObject({ status: 400, code: 'InvalidRequestError' })
    expect(puts()).toBe(1)

    good!.putFailures.push(failure(429, 'BatchSizeExceededError'))
    spare!.putFailures.push(failure(429, 'BatchSizeExceededError'))
    const tooBig = await clientFor()
      .send('x')
      .catch((e: unknown) => e)
    expect(tooBig).toMatchObject({ status: 429, code: 'BatchSizeExceededError' })
    expect(puts()).toBe(2)
  })

  it('posts bulk batches as JSON and maps FastAPI validation errors', async () => {
    const [good] = await startNetwork([new FakeNode('good')])
    await clientFor().sendBulk(['a', 'b'])
    expect(good!.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: '/node/batches',
      contentType: 'application/json',
      body: JSON.stringify({ [TEST_APP]: ['a', 'b'] }),
    })
    const detail = [{ type: 'string_type', loc: ['body'], msg: 'Input should be a string' }]
    good!.putFailures.push({ status: 422, body: { detail } })
    const error = await clientFor()
      .send('x')
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      status: 422,
      code: 'RequestValidationError',
      message: expect.stringContaining('body: Input should be a string'),
    })
  })

  it('fails over on a plain-text 500 and names the last failure as the cause', async () => {
    const nodes = await startNetwork([1, 2, 3, 4].map(() => new FakeNode('good')))
    for (const node of nodes) node!.putFailures.push({ status: 500, body: 'Internal Server Error' })
    const crash = await clientFor()
      .send('x')
      .catch((e: unknown) => e)
    expect(crash).toBeInstanceOf(NoAvailableNodeError)
    expect((crash as NoAvailableNodeError).cause).toMatchObject({
      status: 500,
      code: 'HTTPError',
      message: expect.stringContaining('Internal Server Error'),
    })
    for (const node of nodes) expect(node!.count('PUT', '/')).toBe(1)
  })

  it('backs off and retries when the node is rate limited', async () => {
    const [good] = await startNetwork([new FakeNode('good')])
    const limited = failure(429, 'BatchesLimitExceededError')
    good!.putFailures.push(limited, limited)
    const started = performance.now()
    await clientFor({ pollIntervalMs: 30, maxBackoffMs: 200 }).send('x')
    expect(performance.now() - started).toBeGreaterThanOrEqual(30 + 60 - 5)
    expect(good!.count('PUT', '/')).toBe(3)
  })

  it('throws NoAvailableNodeError when every node fails', async () => {
    await startNetwork([new FakeNode('not_synced'), undefined, new FakeNode('not_synced')])
    const error = await clientFor()
      .send('x')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoAvailableNodeError)
    expect((error as NoAvailableNodeError).cause).toBeInstanceOf(NodeHttpError)
  })
})

describe('ZellularClient.batches', () => {
  it('streams verified batches across failing, unreachable and lying nodes', async () => {
    const [, , liar] = await startNetwork([
      new FakeNode('not_synced'),
      undefined,
      new FakeNode('lying'),
      new FakeNode('good'),
    ])
    const batches = await collect(clientFor(), 12)
    expectChain(batches, 1, 12)
    expect(batches.some((batch) => batch.body.includes('forged'))).toBe(false)
    // Whether the liar was asked depends on the random first reader; it never leaks through.
    expect(liar!.count('GET', '/node/state')).toBe(0)
  })

  it('resumes from an index with or without its chaining hash', async () => {
    await startNetwork([new FakeNode('good')])
    const chain = new TestChain(committee, BODIES)
    expectChain(await collect(clientFor(), 5, 7, chain.hashAt(7)), 8, 12)
    expectChain(await collect(clientFor(), 7, 5), 6, 12)
  })

  it('reads legacy v0.1.5 pages', async () => {
    await startNetwork([new FakeNode('legacy')])
    expectChain(await collect(clientFor(), 12), 1, 12)
  })

  it('backs off on data: null instead of busy looping, then delivers', async () => {
    const nodes = await startNetwork([1, 2, 3, 4].map(() => new FakeNode('good')))
    for (const node of nodes) node!.finalized = 0
    const client = clientFor({ pollIntervalMs: 20, maxBackoffMs: 160 })
    const pending = collect(client, 7)
    await new Promise((resolve) => setTimeout(resolve, 700))
    const polls = nodes
      .map((node) => node!.count('GET', `/node/${TEST_APP}/batches/finalized`))
      .reduce((sum, count) => sum + count, 0)
    // Pauses of 20 + 40 + 80 + 160 + 160 + … ms: about 7 polls in 700 ms, not thousands.
    expect(polls).toBeGreaterThanOrEqual(4)
    expect(polls).toBeLessThanOrEqual(10)
    // A node still empty at the longest pause is left for another.
    expect(nodes.filter((node) => node!.count('GET', '/node/') > 0).length).toBeGreaterThan(1)
    for (const node of nodes) node!.finalized = 7
    expectChain(await pending, 1, 7)
  })

  it('never yields from a node whose proofs fail, and stops when aborted', async () => {
    const liars = await startNetwork([1, 2, 3, 4].map(() => new FakeNode('lying')))
    const controller = new AbortController()
    const seen: VerifiedBatch[] = []
    setTimeout(() => controller.abort(), 1_000)
    for await (const batch of clientFor().batches({ signal: controller.signal })) seen.push(batch)
    expect(seen).toEqual([])
    for (const liar of liars) {
      expect(liar!.count('GET', `/node/${TEST_APP}/batches/finalized`)).toBeGreaterThan(0)
    }
  })

  it('stops verifying a big page at the next slice once the stream is aborted', async () => {
    const [node] = await startNetwork([new FakeNode('good')])
    // 600 batches in one page, with 300 proofs: far more work than one slice of the verifier.
    const count = 600
    const chain = new TestChain(
      committee,
      Array.from({ length: count }, (_, position) => bodyAt(position + 1)),
    )
    const proofs = chain.proofs(
      Array.from({ length: count / 2 }, (_, position) => 2 * position + 2),
    )
    node!.history = { chain, proofs }
    node!.finalized = count
    node!.pageSize = count
    const controller = new AbortController()
    const http = fetchTransport((input, init) => fetch(input, init))
    const transport: NodeTransport = async (request) => {
      const answer = await http(request)
      // Runs before the verifier's first yield to the event loop is over.
      setImmediate(() => controller.abort())
      return answer
    }
    const checked = bls.signaturesChecked()
    const seen: VerifiedBatch[] = []
    const client = clientFor({ transport })
    for await (const batch of client.batches({ node: node!.id, signal: controller.signal })) {
      seen.push(batch)
    }
    expect(seen).toEqual([])
    // Not the page's 300 signatures: a slice holds about 40.
    expect(bls.signaturesChecked() - checked).toBeLessThan(100)
  })

  it('throws a client error instead of polling forever', async () => {
    await startNetwork([new FakeNode('good')])
    const client = clientFor({ app: 'unknown_app' })
    await expect(collect(client, 1)).rejects.toMatchObject({
      status: 400,
      code: 'InvalidRequestError',
    })
  })
})

describe('ZellularClient.batches with long-polls', () => {
  const pageReads = (node: FakeNode) =>
    node.requests.filter((r) => r.method === 'GET' && r.after !== undefined)

  it('falls back to polling a node without them (zsequencer answers at once)', async () => {
    const [node] = await startNetwork([new FakeNode('good')])
    node!.finalized = 3
    const client = clientFor({ longPollMs: 500, maxBackoffMs: 40 })
    const reading = collectWithin(client, 7, 10_000, { node: node!.id })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const idleReads = pageReads(node!).length
    node!.finalized = 7
    const { batches, timedOut } = await reading
    expect(timedOut).toBe(false)
    expectChain(batches, 1, 7)
    // Every read asked the node to wait; this one did not, so the client kept polling, with
    // pauses: more than a read per 500 ms wait, far fewer than a busy loop's.
    expect(pageReads(node!).every((read) => read.wait === 500)).toBe(true)
    expect(idleReads).toBeGreaterThan(3)
    expect(idleReads).toBeLessThan(60)
  })

  it('reads a holding node once per wait while idle, and still gets what comes', async () => {
    const [node] = await startNetwork([new FakeNode('good')])
    node!.finalized = 3
    node!.longPoll = true
    const client = clientFor({ longPollMs: 500, maxBackoffMs: 40 })
    const reading = collectWithin(client, 7, 10_000, { node: node!.id })
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    // The first read returns batches 1–3; then each read is held for the whole 500 ms.
    const idleReads = pageReads(node!).length
    node!.finalized = 7
    const { batches, timedOut } = await reading
    expect(timedOut).toBe(false)
    expectChain(batches, 1, 7)
    expect(idleReads).toBeLessThanOrEqual(4)
  })
  it('waits double up to longPollMaxMs while idle and drop back once batches come', async () => {
    const [node] = await startNetwork([new FakeNode('good')])
    node!.finalized = 3
    node!.longPoll = true
    const client = clientFor({ longPollMs: 100, longPollMaxMs: 400, maxBackoffMs: 40 })
    const reading = collectWithin(client, 7, 10_000, { node: node!.id })
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    // The first read returns batches 1–3; the next ones are held whole: 100, 200, 400, 400…
    const idleWaits = pageReads(node!).map((read) => read.wait)
    expect(idleWaits.slice(0, 4)).toEqual([100, 100, 200, 400])
    expect(idleWaits.slice(4).every((wait) => wait === 400)).toBe(true)
    expect(idleWaits.length).toBeLessThanOrEqual(8)
    // Batches come (the held read in flight returns them): the next read asks for 100 again.
    node!.finalized = 5
    while (pageReads(node!).length <= idleWaits.length) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(pageReads(node!)[idleWaits.length]?.wait).toBe(100)
    node!.finalized = 7
    const { batches, timedOut } = await reading
    expect(timedOut).toBe(false)
    expectChain(batches, 1, 7)
  })

  it('leaves a node that does not start to answer a held read soon after its wait', async () => {
    // A paused node (SIGSTOP) keeps the connection and says nothing: waiting for the request
    // timeout (here a minute) would stall the reader that long; its wait plus a margin is enough.
    const silent = new FakeNode('good')
    silent.delayMs = 8_000
    const [paused, good] = await startNetwork([silent, new FakeNode('good')])
    good!.finalized = 3
    good!.longPoll = true
    const client = clientFor({ longPollMs: 200, timeoutMs: 60_000 })
    const { batches } = await collectWithin(client, 3, 6_000, { startAt: paused!.id })
    expectChain(batches, 1, 3)
    const left = warnings.find((warning) => warning.node === paused!.id)
    expect(left?.error.message).toContain('no answer within 1700 ms')
  })

  it('leaves a node paused while it holds a read a few beats after it falls silent', async () => {
    // Our nodes send a space every beat while they hold a read (`&beat=`). One paused after
    // its answer started says nothing more: the reader leaves it once it has been silent for
    // four beats, not at the end of the hold (2.5 s) nor at the request timeout (a minute).
    const stalled = new FakeNode('good')
    stalled.finalized = 0
    stalled.longPoll = true
    stalled.stallHeldReads = true
    const [paused, good] = await startNetwork([stalled, new FakeNode('good')])
    good!.finalized = 3
    good!.longPoll = true
    const client = clientFor({ longPollMs: 2_500, timeoutMs: 60_000 })
    const { batches } = await collectWithin(client, 3, 4_000, { startAt: paused!.id })
    expectChain(batches, 1, 3)
    expect(paused!.requests.find((request) => request.wait !== undefined)?.beat).toBe(500)
    const left = warnings.find((warning) => warning.node === paused!.id)
    expect(left?.error.message).toContain('node silent for 2000 ms')
  })
})

describe('ZellularClient.batches against nodes that withhold proofs, fork or flood', () => {
  const stalls: {
    name: string
    limits: Partial<ZellularClientParameters>
    pageSize: number
    delayMs?: number
    limit: UnprovenPagesError['limit']
  }[] = [
    { name: 'the batch cap', limits: { maxUnprovenBatches: 30 }, pageSize: 8, limit: 'batches' },
    { name: 'the byte cap', limits: { maxUnprovenBytes: 300 }, pageSize: 8, limit: 'bytes' },
    { name: 'the default page limit', limits: {}, pageSize: 2, limit: 'pages' },
    {
      name: 'the time limit',
      limits: { maxUnprovenMs: 300, maxUnprovenPages: 1_000 },
      pageSize: 1,
      delayMs: 40,
      limit: 'time',
    },
  ]
  for (const { name, limits, pageSize, delayMs = 0, limit } of stalls) {
    it(`leaves nodes that serve chained pages without proofs (${name})`, async () => {
      const stallers = [1, 2, 3].map(() => new FakeNode('unproven'))
      for (const node of stallers) Object.assign(node, { pageSize, delayMs })
      await startNetwork([...stallers, gatedGoodNode(stallers)])
      const client = clientFor(limits)
      const { batches, timedOut } = await collectWithin(client, 12, 8_000)
      expect(timedOut).toBe(false)
      expectChain(batches, 1, 12)
      // Every staller was read, held at most the caps, and was left with the typed error.
      for (const node of stallers) {
        const runs = heldRuns(node)
        expect(runs.length).toBeGreaterThan(0)
        for (const run of runs) {
          expect(run.batches).toBeLessThanOrEqual(client.maxUnprovenBatches)
          expect(run.bytes).toBeLessThanOrEqual(client.maxUnprovenBytes)
          expect(run.reads).toBeLessThanOrEqual(client.maxUnprovenPages)
        }
        const left = warnings.filter((warning) => warning.node === node.id)
        expect(left.length).toBeGreaterThan(0)
        for (const { error } of left) {
          expect(error).toBeInstanceOf(UnprovenPagesError)
          expect((error as UnprovenPagesError).limit).toBe(limit)
        }
      }
    })
  }

  it('leaves nodes whose pages do not chain onto the proven prefix', async () => {
    const forks = [1, 2, 3].map(() => new FakeNode('fork'))
    await startNetwork([...forks, gatedGoodNode(forks)])
    const chain = new TestChain(committee, BODIES)
    const resume = { after: 3, chainingHash: chain.hashAt(3) }
    const { batches, timedOut } = await collectWithin(clientFor(), 9, 8_000, resume)
    expect(timedOut).toBe(false)
    expectChain(batches, 4, 12)
    for (const node of forks) {
      const left = warnings.filter((warning) => warning.node === node.id)
      expect(left.length).toBeGreaterThan(0)
      for (const { error } of left) expect(error).toMatchObject({ code: 'chain_mismatch' })
    }
  })

  it('cuts an over-size answer short and leaves that node', async () => {
    const floods = [new FakeNode('flood'), new FakeNode('flood')]
    floods[1]!.declareLength = true
    await startNetwork([...floods, undefined, gatedGoodNode(floods)])
    const client = clientFor({ maxResponseBytes: 1024 * 1024 })
    const { batches, timedOut } = await collectWithin(client, 12, 8_000)
    expect(timedOut).toBe(false)
    expectChain(batches, 1, 12)
    for (const node of floods) {
      const left = warnings.filter((warning) => warning.node === node.id)
      expect(left.length).toBeGreaterThan(0)
      for (const { error } of left) expect(error).toMatchObject({ code: 'ResponseTooLarge' })
      // The client hung up long before the 64 MiB answer was through.
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(node.flooded).toBeLessThan(16 * 1024 * 1024)
    }
  })

  it('raises the typed error in audit mode instead of reading another node', async () => {
    const [staller, liar, flood, good] = await startNetwork([
      new FakeNode('unproven'),
      new FakeNode('lying'),
      new FakeNode('flood'),
      new FakeNode('good'),
    ])
    const client = clientFor({ maxResponseBytes: 1024 * 1024 })
    const audit = (node: FakeNode) =>
      collectWithin(client, 12, 8_000, { node: node.id }).catch((error: unknown) => error)
    const stalled = await audit(staller!)
    expect(stalled).toBeInstanceOf(UnprovenPagesError)
    expect(stalled).toMatchObject({ limit: 'pages' })
    expect(staller!.count('GET', `/node/${TEST_APP}/batches`)).toBe(client.maxUnprovenPages)
    expect(await audit(liar!)).toBeInstanceOf(ProofError)
    const flooded = await audit(flood!)
    expect(flooded).toBeInstanceOf(NodeHttpError)
    expect(flooded).toMatchObject({ code: 'ResponseTooLarge' })
    expect(good!.count('GET', `/node/${TEST_APP}/batches`)).toBe(0)
    const honest = await audit(good!)
    expect(honest).toMatchObject({ timedOut: false })
    expectChain((honest as { batches: VerifiedBatch[] }).batches, 1, 12)
  })
})

describe('ZellularClient.lastFinalized', () => {
  it('returns the verified last finalized batch, in both formats', async () => {
    const [good] = await startNetwork([new FakeNode('good')])
    const chain = new TestChain(committee, BODIES)
    expect(await clientFor().lastFinalized()).toEqual({
      index: 12,
      chainingHash: chain.hashAt(12),
      body: BODIES[11],
    })
    good!.mode = 'legacy'
    good!.finalized = 9
    expect(await clientFor().lastFinalized()).toEqual({
      index: 7,
      chainingHash: chain.hashAt(7),
      body: BODIES[6],
    })
    good!.finalized = 0
    expect(await clientFor().lastFinalized()).toBeNull()
  })

  it('skips a node whose proof fails and gives up when none is valid', async () => {
    await startNetwork([new FakeNode('lying'), new FakeNode('good')])
    for (let round = 0; round < 3; round++) {
      expect((await clientFor().lastFinalized())?.index).toBe(12)
    }
    await startNetwork([new FakeNode('lying'), undefined])
    const error = await clientFor()
      .lastFinalized()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoAvailableNodeError)
  })

  it('reports the proof failure as the cause', async () => {
    await startNetwork([1, 2, 3, 4].map(() => new FakeNode('lying')))
    const error = await clientFor()
      .lastFinalized()
      .catch((e: unknown) => e)
    expect((error as NoAvailableNodeError).cause).toBeInstanceOf(ProofError)
  })
})

describe('loadNetwork', () => {
  it('loads a nodes file from a URL, a path and an object, keeping the keys exact', async () => {
    await startNetwork([new FakeNode('good')])
    const text = formatNodesFile(committee.nodes)
    const server = createServer((_, response) => response.end(text))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    running.push(server)
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/nodes.json`
    const directory = await mkdtemp(join(tmpdir(), 'zellular-'))
    const path = join(directory, 'nodes.json')
    await writeFile(path, text)
    try {
      for (const source of [url, path, `file://${path}`, committee.nodes]) {
        const network = await loadNetwork(source, 67)
        expect([...network.operators.keys()]).toEqual(Object.keys(committee.nodes))
        const expected = committee.network.aggregatedPublicKey
        expect(network.aggregatedPublicKey.isEqual(expected)).toBe(true)
      }
    } finally {
      await rm(directory, { recursive: true })
    }
  })
})

describe('ZellularClient.batches against a page of too many batches', () => {
  it('refuses a page of more batches than maxResponseBytes / 256 before chaining any', async () => {
    // 500 empty batches: 1.5 KB, well under the byte cap, over the 101 a page of it may hold.
    const batches = Array.from({ length: 500 }, () => '')
    const flood = { batches, first_chaining_hash: chainHash('', ''), finalized_signatures: [] }
    let hashesBefore: number | undefined
    const server = createServer((request, response) => {
      hashesBefore ??= chainHashes()
      // The flood once; then nothing is finalized past what the reader holds.
      const after = new URL(request.url ?? '', 'http://node').searchParams.get('after')
      const data = after === '0' ? flood : null
      response.setHeader('Content-Type', 'application/json')
      response.end(JSON.stringify({ status: 'success', data }))
    })
    await new Promise<void>((resolve) => server.listen(20_868, '127.0.0.1', resolve))
    running.push(server)
    const sockets = ['http://127.0.0.1:20868', ...['x', 'y', 'z'].map((h) => `http://${h}.invalid`)]
    committee = buildTestCommittee({ sockets })
    const client = clientFor({ maxResponseBytes: 100 * 256 })

    const outcome = await collectWithin(client, 1, 8_000, { node: committee.keys[0]!.id }).catch(
      (error: unknown) => error,
    )

    expect(hashesBefore).toBeDefined()
    expect(chainHashes() - hashesBefore!).toBe(0)
    expect(outcome).toBeInstanceOf(ProofError)
    expect(outcome).toMatchObject({ code: 'malformed' })
    expect(String(outcome)).toMatch(/500 batches/)
    expect(client.maxPageBatches).toBe(101)
  })
})
