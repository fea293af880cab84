/**
 * In-process nodes for unit tests of the node's logic: four operators with fixed keys, one
 * `ZellularNode` built for any of them, and peers faked by small HTTP servers on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  bls,
  finalizationVoteMessage,
  Network,
  syncPointMessage,
  type FinalizationVote,
  type NodesFile,
  type SyncPoint,
  type TimeLock,
} from '../../shared/zellular/index.ts'
import { AppLogs } from './appLogs.ts'
import type { Clock } from './clock.ts'
import { nodeConfigSchema, type NodeConfig } from './config.ts'
import { sameValue } from './finalizationTimes.ts'
import { createLogger } from './logger.ts'
import { ZellularNode } from './node.ts'
import type { NodeHooks } from './nodeHooks.ts'
import type { SequencerPutRequest } from './sequencerApi.ts'

const TEST_NODE_IDS = ['0x01', '0x02', '0x03', '0x04'].map((prefix) => prefix.padEnd(42, '0'))

/** The four operators' secret keys (needs `initZellular()` first). */
export function testSecrets(): bls.SecretKey[] {
  return [11n, 22n, 33n, 44n].map((value) => bls.secretKeyFromBigInt(value))
}

/**
 * A node for operator `position` of four equal-stake operators reachable at `sockets`, threshold
 * 67 %, app `a`, a fresh data folder. The lowest id (position 0) is the sequencer.
 */
export function makeTestNode(options: {
  position?: number
  sockets?: readonly string[]
  config?: Partial<NodeConfig>
  lines?: string[]
  clock?: Clock
  logs?: AppLogs
  /** A test adversary's hooks (`faults.ts`); honest unless given. */
  hooks?: NodeHooks
}): { node: ZellularNode; ids: string[]; secrets: bls.SecretKey[] } {
  const secrets = testSecrets()
  const sockets = options.sockets ?? ['1', '2', '3', '4'].map((port) => `http://127.0.0.1:${port}`)
  const nodes: NodesFile = {}
  secrets.forEach((secret, i) => {
    const key = bls.g2ToNodesFile(bls.publicKeyOf(secret))
    const id = TEST_NODE_IDS[i]!
    nodes[id] = {
      id,
      address: id,
      socket: sockets[i]!,
      stake: 10,
      pubkeyG2_X: [...key.pubkeyG2_X],
      pubkeyG2_Y: [...key.pubkeyG2_Y],
    }
  })
  const config = nodeConfigSchema.parse({
    nodesFile: 'unused',
    keyFile: 'unused',
    dataDir: 'unused',
    thresholdPercent: 67,
    ...options.config,
  })
  const sink = {
    write: (line: string) => {
      options.lines?.push(line)
      return true
    },
  }
  const log = createLogger('test', sink as unknown as NodeJS.WritableStream)
  const position = options.position ?? 0
  const network = new Network(nodes, 67)
  const node = new ZellularNode(
    config,
    network,
    secrets[position]!,
    TEST_NODE_IDS[position]!,
    ['a'],
    log,
    // An in-memory batch store: nothing is left on disk.
    {
      logs: options.logs ?? AppLogs.inMemory(),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    },
  )
  return { node, ids: [...TEST_NODE_IDS], secrets }
}

/** A finalization or lock proof for `point`, signed by the operators at `signers`. */
export function signedProof(point: SyncPoint, signers: readonly number[]) {
  return aggregateOf(syncPointMessage(point), signers)
}

/**
 * A time lock for finalizing `point` (a `locked` sync point) in `view`, voted by the operators
 * at `signers`.
 */
export function signedTimeLock(
  point: SyncPoint,
  view: number,
  signers: readonly number[] = [0, 2, 3],
): TimeLock {
  const { app_name, parent_index, index, chaining_hash, timestamp } = point
  const vote = { app_name, parent_index, index, chaining_hash, timestamp, view }
  const { app_name: _app, ...lock } = vote
  return { ...lock, ...aggregateOf(finalizationVoteMessage(vote), signers) }
}

/** The aggregate signature of the operators at `signers` on `message`, and the nonsigners. */
function aggregateOf(message: string, signers: readonly number[]) {
  const secrets = testSecrets()
  const signature = bls.aggregateSignatures(signers.map((i) => bls.sign(secrets[i]!, message)))
  return {
    signature: bls.formatPoint(signature),
    nonsigners: TEST_NODE_IDS.filter((_, i) => !signers.includes(i)),
  }
}

/**
 * A fake peer: an HTTP server on 127.0.0.1, on `port` or a free one, whose answers the test
 * writes.
 */
export async function fakePeer(
  handle: (request: IncomingMessage, body: string, response: ServerResponse) => void,
  port = 0,
): Promise<{ url: string; requests: string[]; close(): void }> {
  const requests: string[] = []
  const server: Server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      requests.push(`${request.method} ${request.url}`)
      handle(request, body, response)
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => server.close(),
  }
}

/**
 * What an honest fake follower signs for a signature request to `url` (the request's path): a
 * finalization vote (`/node/sign_finalization_vote`) or a sync point.
 */
export function messageToSign(url: string | undefined, body: string): string {
  const parsed = JSON.parse(body) as SyncPoint & FinalizationVote
  return url?.startsWith('/node/sign_finalization_vote') === true
    ? finalizationVoteMessage(parsed)
    : syncPointMessage(parsed)
}

/** Writes a JSON answer. */
export function answer(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status
  response.setHeader('Content-Type', 'application/json')
  response.end(typeof body === 'string' ? body : JSON.stringify(body))
}

/** What a sequencer's answer to a follower's PUT holds (`PUT /sequencer/batches`). */
interface SequencerAnswerData {
  readonly batches: readonly string[]
  readonly last_finalized_index: number
  readonly finalized_signatures: readonly unknown[]
  readonly last_locked_signature: unknown
}

/** A fake sequencer's success answer: no batches and no proofs unless `data` gives some. */
export function sequencerAnswer(data: Partial<SequencerAnswerData> = {}) {
  const empty = {
    batches: [],
    last_finalized_index: 0,
    finalized_signatures: [],
    last_locked_signature: null,
  }
  return { status: 'success', message: 'Operation successful', data: { ...empty, ...data } }
}

/** A finalization of app `a` as a peer proves it: the point and its aggregate signature. */
interface PeerFinalization {
  readonly index: number
  readonly parent_index: number
  readonly chaining_hash: string
  readonly signature: unknown
  readonly nonsigners: unknown
  readonly timestamp: number
}

/**
 * A peer of app `a` that a node catching up at a switch asks: `last` is its last finalization,
 * `page()` the data of its page of sequenced batches after 0 (called when that page is asked
 * for), and every other request gets an empty success.
 */
export function fakeCatchUpPeer(last: PeerFinalization, page: () => unknown, port: number) {
  return fakePeer((request, _body, response) => {
    const url = request.url ?? ''
    if (url === '/node/a/batches/finalized/last') {
      const data = {
        app_name: 'a',
        index: last.index,
        parent_index: last.parent_index,
        chaining_hash: last.chaining_hash,
        finalized_signature: last.signature,
        finalized_nonsigners: last.nonsigners,
        timestamp: last.timestamp,
      }
      return answer(response, 200, { status: 'success', data })
    }
    if (url.startsWith('/node/a/batches/sequenced?after=0')) {
      return answer(response, 200, { status: 'success', data: page() })
    }
    answer(response, 200, { status: 'success', data: null })
  }, port)
}

/**
 * A follower (`position` 1–3) that has done its first catch-up round with a sequencer faked on
 * 127.0.0.1 (it answers every PUT with an empty, well-formed page), so its client and node routes
 * are open. `failSequencer` makes that sequencer answer 500 from then on and lets the follower
 * see it in one more round; `close` stops both. The fake sequencer listens on `sequencerPort`,
 * or any free port.
 */
export async function syncedFollower(
  options: Parameters<typeof makeTestNode>[0] & { sequencerPort?: number },
) {
  let up = true
  const sequencer = await fakePeer(
    (_request, _body, response) =>
      up ? answer(response, 200, sequencerAnswer()) : answer(response, 500, 'down'),
    options.sequencerPort,
  )
  const sockets = options.sockets ?? ['1', '2', '3', '4'].map((port) => `http://127.0.0.1:${port}`)
  const made = makeTestNode({ ...options, sockets: [sequencer.url, ...sockets.slice(1)] })
  await made.node.poster.post()
  if (!made.node.poster.synced) throw new Error('the follower did not sync with its sequencer')
  return {
    ...made,
    async failSequencer() {
      up = false
      await made.node.poster.post()
    },
    close() {
      made.node.close()
      sequencer.close()
    },
  }
}

/**
 * A clock a test moves by hand: `advance` runs the timers that fall due, in time order, each at
 * its own time. Starts at a fixed, realistic time (2023-11-14).
 */
export class ManualClock implements Clock {
  #time: number
  #timers: { at: number; order: number; callback: () => void }[] = []
  #order = 0

  constructor(startMs = 1_700_000_000_000) {
    this.#time = startMs
  }

  /** A property, not a method: the node passes `clock.now` around on its own. */
  readonly now = (): number => this.#time

  after(ms: number, callback: () => void): () => void {
    const timer = { at: this.#time + Math.max(0, ms), order: this.#order++, callback }
    this.#timers.push(timer)
    return () => {
      this.#timers = this.#timers.filter((other) => other !== timer)
    }
  }

  advance(ms: number): void {
    const until = this.#time + ms
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.order - b.order)
      const next = this.#timers[0]
      if (!next || next.at > until) break
      this.#timers.shift()
      this.#time = next.at
      next.callback()
    }
    this.#time = until
  }
}

/** What a test file runs after each test (its `afterEach` empties it). */
type Cleanups = (() => void | Promise<void>)[]

/**
 * Three followers that sign every point at once, except finalizations while `held` is set; those
 * in `refusing` (positions 1–3) refuse every point instead, as a Byzantine one may (`refused`).
 * One given a time lock in `lockedOn` refuses to vote for another value, sending that lock, as
 * an honest node that signed its finalization does (`finalizationTimes.ts`).
 */
export async function signingFollowers(cleanups: Cleanups) {
  const secrets = testSecrets()
  const asked: SyncPoint[] = []
  const refused: SyncPoint[] = []
  const votes: FinalizationVote[] = []
  const heldAnswers: (() => void)[] = []
  const silentlyHeld: ServerResponse[] = []
  const state = {
    holdFinalizations: false,
    refusing: new Set<number>(),
    /** Followers that answer nothing at all (paused): their requests are held to the end. */
    silent: new Set<number>(),
    lockedOn: new Map<number, TimeLock>(),
  }
  /** The vote a lock request carries, signed unless the follower is locked (`signer.ts`). */
  const voteWithLock = (position: number, request: LockWithVote) => {
    if (request.vote === undefined || state.lockedOn.has(position)) return {}
    const { app_name, parent_index, index, chaining_hash } = request
    const vote = { app_name, parent_index, index, chaining_hash, ...request.vote }
    const signature = bls.sign(secrets[position]!, finalizationVoteMessage(vote))
    return { vote_signature: bls.formatPoint(signature) }
  }
  const peers = await Promise.all(
    [1, 2, 3].map((position) =>
      fakePeer((request, body, response: ServerResponse) => {
        const point = JSON.parse(body) as SyncPoint
        if (state.silent.has(position)) {
          silentlyHeld.push(response)
          return
        }
        if (state.refusing.has(position)) {
          refused.push(point)
          const error = { code: 'InvalidRequest', message: 'refused' }
          return answer(response, 400, { status: 'error', error })
        }
        const isVote = request.url === '/node/sign_finalization_vote'
        const locked = state.lockedOn.get(position)
        if (isVote) {
          const vote = JSON.parse(body) as FinalizationVote
          votes.push(vote)
          if (locked && !sameValue(locked, vote)) {
            const error = { code: 'InvalidRequestError', message: 'locked' }
            return answer(response, 400, { status: 'error', error, data: { locked } })
          }
        } else asked.push(point)
        const message = messageToSign(request.url, body)
        const signature = bls.formatPoint(bls.sign(secrets[position]!, message))
        const data = { signature, ...voteWithLock(position, JSON.parse(body) as LockWithVote) }
        const reply = () => answer(response, 200, { status: 'success', data })
        if (state.holdFinalizations && point.state === 'locked') heldAnswers.push(reply)
        else reply()
      }),
    ),
  )
  cleanups.push(() => {
    for (const reply of heldAnswers.splice(0)) reply()
    for (const response of silentlyHeld.splice(0)) response.destroy()
    for (const peer of peers) peer.close()
  })
  const release = () => {
    state.holdFinalizations = false
    for (const reply of heldAnswers.splice(0)) reply()
  }
  return {
    urls: peers.map((peer) => peer.url),
    asked,
    refused,
    votes,
    state,
    heldAnswers,
    silentlyHeld,
    release,
  }
}

/** A lock request with the vote it may carry (`signer.ts`). */
type LockWithVote = SyncPoint & { readonly vote?: { timestamp: number; view: number } }

/** A started sequencer whose three followers are `urls`, on a clock that never moves. */
export function startedSequencer(
  urls: readonly string[],
  config: Partial<NodeConfig>,
  cleanups: Cleanups,
  /** Its batch store, in memory unless given. */
  logs?: AppLogs,
) {
  const clock = new ManualClock()
  const sockets = ['http://127.0.0.1:1', ...urls]
  const { node, ids } = makeTestNode({ sockets, clock, config, ...(logs ? { logs } : {}) })
  node.start()
  cleanups.push(async () => {
    await node.stop()
    node.close()
  })
  const log = node.logs.get('a')
  /** Every follower reports holding the sequencer's whole log, as its PUT would. */
  const followersReport = () => {
    for (const id of ids.slice(1)) {
      node.inbox.accept(id, {
        app_name: 'a',
        batches: [],
        sequenced_index: log.lastSequenced,
        sequenced_chaining_hash: log.chainingHashAt(log.lastSequenced),
        locked_index: 0,
        locked_chaining_hash: log.chainingHashAt(0),
        finalized_index: 0,
      })
    }
  }
  return { node, ids, log, clock, followersReport }
}

/** A follower's PUT to its sequencer for app `a` carrying `batches`, reporting an empty log. */
export function emptyLogPut(
  batches: string[] = [],
  extra: Partial<SequencerPutRequest> = {},
): SequencerPutRequest {
  return {
    app_name: 'a',
    batches,
    sequenced_index: 0,
    sequenced_chaining_hash: '',
    locked_index: 0,
    locked_chaining_hash: '',
    finalized_index: 0,
    ...extra,
  }
}
