import type { Hono } from 'hono'
import { clientAddress } from '../http/clientKey.ts'
import type { AppLogs } from './appLogs.ts'
import type { BatchRecord } from './batchLog.ts'
import { ValidationHttpError, ZsequencerHttpError, success } from './httpErrors.ts'
import { nodeStateOf, serializeNodeState } from './nodeState.ts'
import { finalizationProofOf } from './proofRecords.ts'
import { heldAnswer } from './heldAnswer.ts'
import type { NodeEnv, NodeRequest, RouteDeps, RouteGuards } from './routeGuards.ts'
import { limitUnflushedAnswers } from './unflushedAnswers.ts'

/**
 * Reads (§7.3–§7.7): batch pages, last locked or finalized batches, the node's state and
 * readiness. Served on the sequencer and while unsynced too.
 */
export function registerReadRoutes(app: Hono<NodeEnv>, node: RouteDeps, guards: RouteGuards) {
  const { context, role, logs } = node
  const { hooks } = context

  /**
   * A read answer's status and text: the only place a test adversary (`nodeHooks.ts`) may change
   * one.
   */
  const answerOf = (honest: { data: unknown }) =>
    hooks.enabled ? hooks.servePage(honest) : { status: 200, text: JSON.stringify(honest) }
  const respond = (c: NodeRequest, answer: { status: number; text: string }) =>
    c.body(answer.text, answer.status as 200, { 'Content-Type': 'application/json' })
  const page = (c: NodeRequest, honest: { data: unknown }) => respond(c, answerOf(honest))

  /**
   * `GET /node/{app}/batches/{state}?after=N`: the batches after N, within the page cap. Our
   * extensions, on the finalized state: `&wait=ms`, when nothing is finalized after N yet, holds
   * the answer until a finalization, up to `ms` (at most `LONG_POLL_MAX_MS`), so a reader learns
   * of it at once instead of at its next poll; and with it `&beat=ms`, a space every beat while
   * it holds (`heldAnswer.ts`), so a reader notices a paused node a beat and a margin after it
   * falls silent rather than at the end of the wait. zsequencer ignores both and answers at
   * once, which readers take as plain polling.
   */
  const getPage = async (c: NodeRequest) => {
    guards.version(c, false)
    const after = parseAfter(c.req.query('after'))
    const log = logs.get(c.req.param('app')!)
    const state = c.req.param('state')
    if (state !== 'sequenced' && state !== 'locked' && state !== 'finalized') {
      return c.json(success(null))
    }
    const pageAnswer = () => {
      const records = log.range(after, state, context.pageCapBytes)
      if (records.length === 0) return answerOf(success(null))
      return answerOf(
        success({
          batches: records.map((record) => record.body),
          first_chaining_hash: records[0]!.chainingHash,
          finalized_signatures: records
            .filter((record) => record.finalizedSignature !== undefined)
            .map(finalizationProofOf),
        }),
      )
    }
    const waitMs = parseWait(c.req.query('wait'))
    if (state !== 'finalized' || waitMs === 0) return respond(c, pageAnswer())
    const holder = { key: clientAddress(c) }
    const held = node.progress.until(() => log.lastFinalized > after, waitMs, holder)
    const asked = parseWait(c.req.query('beat'))
    if (asked === 0) {
      await held
      return respond(c, pageAnswer())
    }
    return heldAnswer(
      Math.max(asked, READ_BEAT_MIN_MS),
      held.then(pageAnswer),
      (answer) => respond(c, answer),
      (answer) => answer.text,
    )
  }

  /** `GET /node/{app}/batches/{state}/last`. */
  const getLast = (c: NodeRequest) => {
    guards.version(c, false)
    const state = lastState(c.req.param('state')!)
    return page(c, success(statefulBatch(logs, c.req.param('app')!, state)))
  }

  /** `GET /node/batches/{state}/last`: every app's, apps with none left out. */
  const getLastOfAll = (c: NodeRequest) => {
    guards.version(c, false)
    const state = lastState(c.req.param('state')!)
    const all: Record<string, unknown> = {}
    for (const appName of logs.apps()) {
      const record = statefulBatch(logs, appName, state)
      if (record) all[appName] = record
    }
    return page(c, success(all))
  }

  /** `GET /node/state`, byte for byte as zsequencer serves it (`nodeState.ts`). */
  const getState = (c: NodeRequest) => {
    guards.version(c, false)
    const text = serializeNodeState(nodeStateOf(context, role, logs))
    return c.body(text, 200, { 'Content-Type': 'application/json' })
  }

  /** `GET /node/ready`: the bare `{"status": true}` once synced and not paused. */
  const getReady = (c: NodeRequest) => {
    guards.synced()
    guards.notPaused()
    return c.json({ status: true })
  }

  app.get('/node/:app/batches/:state', limitUnflushedAnswers(), getPage)
  app.get('/node/:app/batches/:state/last', getLast)
  app.get('/node/batches/:state/last', getLastOfAll)
  app.get('/node/state', getState)
  app.get('/node/ready', getReady)
}

/**
 * Shortest beat of a held read (`beat=ms`): a node holds up to 1,024 reads of anyone, and each
 * beat is a write on each of their sockets.
 */
const READ_BEAT_MIN_MS = 500

/** Longest a read is held waiting for a finalization (`wait=ms`). */
const LONG_POLL_MAX_MS = 5_000

/**
 * `wait=ms` (and `beat=ms`) of our long-poll: anything but a whole number of ms means none. A
 * beat is at least `READ_BEAT_MIN_MS`, at most 5 s (`heldAnswer`).
 */
function parseWait(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,6}$/.test(raw)) return 0
  return Math.min(Number(raw), LONG_POLL_MAX_MS)
}

function parseAfter(raw: string | undefined): number {
  if (raw === undefined) return 0
  if (!/^\d{1,15}$/.test(raw)) {
    throw new ValidationHttpError(
      ['query', 'after'],
      'Input should be greater than or equal to 0',
      raw,
    )
  }
  return Number(raw)
}

function lastState(state: string): 'locked' | 'finalized' {
  if (state !== 'locked' && state !== 'finalized') {
    throw new ZsequencerHttpError('InvalidRequestError', `Invalid state: ${state}.`)
  }
  return state
}

function statefulBatch(logs: AppLogs, appName: string, state: 'locked' | 'finalized') {
  const log = logs.get(appName)
  const index = log.lastIndex(state)
  const record: BatchRecord | undefined = log.get(index)
  if (!record) return null
  return {
    app_name: appName,
    body: record.body,
    chaining_hash: record.chainingHash,
    // Each view names the parent its own proof was signed with (see `lockedParentIndex`).
    parent_index:
      (state === 'locked' ? record.lockedParentIndex : undefined) ?? record.parentIndex ?? null,
    next_index: record.nextIndex ?? null,
    timestamp: record.timestamp ?? null,
    locked_signature: record.lockedSignature ?? null,
    locked_nonsigners: record.lockedNonsigners ?? null,
    locked_tag: record.lockedTag ?? null,
    finalized_signature: record.finalizedSignature ?? null,
    finalized_nonsigners: record.finalizedNonsigners ?? null,
    finalized_tag: record.finalizedTag ?? null,
    index,
    state,
  }
}
