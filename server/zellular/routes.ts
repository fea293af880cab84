import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppLogs } from './appLogs.ts'
import type { BatchRecord } from './batchLog.ts'
import { ValidationHttpError, ZsequencerHttpError, success } from './httpErrors.ts'
import type { ZellularNode } from './node.ts'
import { finalizationProofOf } from './proofRecords.ts'
import { readLimitedText } from '../http/limitedBody.ts'
import {
  FRESHNESS_HEADER,
  FRESHNESS_SIGNATURE_HEADER,
  FRESHNESS_WINDOW_MS,
  freshnessMessage,
  parseFreshnessHeader,
  ReplayGuard,
} from './freshness.ts'
import { sizeKb } from './rateLimiter.ts'
import { sequencerPutSchema } from './sequencerApi.ts'
import { signSyncPoint, signSyncPointSchema } from './signer.ts'
import {
  disputeSchema,
  handleDispute,
  handleSwitch,
  precheckDispute,
  precheckSwitch,
  switchSchema,
} from './disputeRoutes.ts'

type Env = { Variables: { signer: string; rawBody: string } }

/**
 * The HTTP API of zsequencer v0.1.7 (§7 of the protocol notes): same paths, envelopes, status
 * codes and error codes. Guards run in zsequencer's order, before body validation.
 */
export function createNodeApp(node: ZellularNode): Hono<Env> {
  const app = new Hono<Env>()
  const { context, role, logs } = node
  const { config, network, hooks, clock } = context

  const versionGuard = (c: Context, required: boolean) => {
    const version = c.req.header('Version')
    if ((required || version !== undefined) && version !== config.version) {
      throw new ZsequencerHttpError('InvalidNodeVersionError')
    }
  }
  const syncedGuard = () => {
    if (!role.isSequencer && !node.poster.synced) throw new ZsequencerHttpError('NotSyncedError')
  }
  const notPausedGuard = () => {
    if (role.paused) throw new ZsequencerHttpError('IsPausedError')
  }
  const requestCap = config.maxRequestKb * 1024
  const replays = new ReplayGuard()
  /**
   * Reads the body (at most `maxBytes`) and checks that a known node signed it for this node,
   * this route, now, and once (the freshness headers, see `freshness.ts`). `precheck` refuses
   * what would be refused whoever signed it, before the signature's pairing check: a flood of
   * such requests from a faulty peer then costs no pairing at all.
   */
  const verifyNodeAccess = async (
    c: Context<Env>,
    maxBytes = CONTROL_BODY_MAX_BYTES,
    precheck?: (signer: string, body: string) => void,
  ) => {
    const denied = (why: string) => new ZsequencerHttpError('PermissionDeniedError', why)
    const signer = c.req.header('Signer')?.toLowerCase()
    const signature = c.req.header(FRESHNESS_SIGNATURE_HEADER)
    const fresh = parseFreshnessHeader(c.req.header(FRESHNESS_HEADER))
    if (!signer || !network.operator(signer)) throw denied('Unknown signer.')
    if (!signature || !fresh) throw denied('The request is not signed with its time and target.')
    if (fresh.target !== context.id) throw denied('The request was meant for another node.')
    const now = clock.now()
    if (Math.abs(now - fresh.timestampMs) > FRESHNESS_WINDOW_MS) {
      throw denied('The request is too old or from the future.')
    }
    const body = await readLimitedText(c, maxBytes, tooLarge)
    if (body.length === 0) throw new ZsequencerHttpError('InvalidRequestError')
    precheck?.(signer, body)
    const message = freshnessMessage({
      method: c.req.method,
      path: c.req.path,
      target: context.id,
      timestampMs: fresh.timestampMs,
      body,
    })
    if (!(await node.signatureBatcher.verify({ id: signer, message, signature }))) {
      throw denied('Bad signature.')
    }
    // Recorded only once verified: unsigned junk cannot fill the guard.
    if (!replays.admit(signature, fresh.timestampMs, now)) throw denied('The request was replayed.')
    c.set('signer', signer)
    c.set('rawBody', body)
    if (hooks.enabled) {
      const headers = c.req.header()
      hooks.capture({ method: c.req.method, path: c.req.path, headers, body, at: now })
    }
  }

  /** A read answer; the only place a test adversary (`nodeHooks.ts`) may change one. */
  const page = (c: Context, honest: { data: unknown }) => {
    if (!hooks.enabled) return c.json(honest)
    const { status, text } = hooks.servePage(honest)
    return c.body(text, status as 200, { 'Content-Type': 'application/json' })
  }

  app.onError((error, c) => {
    if (error instanceof ZsequencerHttpError || error instanceof ValidationHttpError) {
      // 429 and 503 say "later": tell clients when, so they back off instead of hammering.
      if (error.status === 429 || error.status === 503) c.header('Retry-After', '1')
      return c.json(error.toJSON(), error.status as 400)
    }
    context.log.error(`${c.req.method} ${c.req.path}: ${error.stack ?? error}`)
    return c.text('Internal Server Error', 500)
  })

  app.get('/', (c) => c.redirect('/node/state', 307))

  app.put('/node/:app/batches', async (c) => {
    versionGuard(c, false)
    syncedGuard()
    notPausedGuard()
    const body = await readBatchBody(c, config.maxBatchSizeKb)
    if (!network.operator(context.id)?.roles.includes('posting')) {
      throw new ZsequencerHttpError('IsNotPostingNodeError')
    }
    const appName = c.req.param('app')
    logs.get(appName)
    if (sizeKb(body) > config.maxBatchSizeKb) {
      throw new ZsequencerHttpError('BatchSizeExceededError')
    }
    node.intake.accept(appName, [body], clock.now())
    return c.json(success({}, 'The batch is received successfully.'))
  })

  app.put('/node/batches', async (c) => {
    versionGuard(c, false)
    syncedGuard()
    notPausedGuard()
    const parsed = bulkSchema.safeParse(
      parseJsonText(await readLimitedText(c, requestCap, tooLarge)),
    )
    if (!parsed.success) throw validationError(parsed.error)
    if (!network.operator(context.id)?.roles.includes('posting')) {
      throw new ZsequencerHttpError('IsNotPostingNodeError')
    }
    // Unknown apps and oversize batches are dropped silently, as zsequencer does.
    for (const [appName, bodies] of Object.entries(parsed.data)) {
      if (!logs.has(appName)) continue
      const fitting = bodies.filter((body) => sizeKb(body) <= config.maxBatchSizeKb)
      node.intake.accept(appName, fitting, clock.now())
    }
    return c.json(success({}, 'The batches are received successfully.'))
  })

  app.get('/node/:app/batches/:state', (c) => {
    versionGuard(c, false)
    const after = parseAfter(c.req.query('after'))
    const log = logs.get(c.req.param('app'))
    const state = c.req.param('state')
    if (state !== 'sequenced' && state !== 'locked' && state !== 'finalized') {
      return c.json(success(null))
    }
    const records = log.range(after, state, context.pageCapBytes)
    if (records.length === 0) return page(c, success(null))
    return page(
      c,
      success({
        batches: records.map((record) => record.body),
        first_chaining_hash: records[0]!.chainingHash,
        finalized_signatures: records
          .filter((record) => record.finalizedSignature !== undefined)
          .map(finalizationProofOf),
      }),
    )
  })

  app.get('/node/:app/batches/:state/last', (c) => {
    versionGuard(c, false)
    const state = lastState(c.req.param('state'))
    const appName = c.req.param('app')
    return page(c, success(statefulBatch(node.logs, appName, state)))
  })

  app.get('/node/batches/:state/last', (c) => {
    versionGuard(c, false)
    const state = lastState(c.req.param('state'))
    const all: Record<string, unknown> = {}
    for (const appName of logs.apps()) {
      const record = statefulBatch(node.logs, appName, state)
      if (record) all[appName] = record
    }
    return page(c, success(all))
  })

  app.get('/node/state', (c) => {
    versionGuard(c, false)
    const self = network.operator(context.id)!
    const apps: Record<string, unknown> = {}
    for (const [appName, log] of logs.entries()) {
      apps[appName] = {
        last_sequenced_index: log.lastSequenced,
        last_locked_index: log.lastLocked,
        last_finalized_index: log.lastFinalized,
      }
    }
    // Keys are ~77-digit JSON numbers, as zsequencer serves them; splice them in as raw text.
    const state = {
      sequencer: role.isSequencer,
      version: config.version,
      sequencer_id: role.sequencerId,
      node_id: context.id,
      pubkeyG2_X: '@X@',
      pubkeyG2_Y: '@Y@',
      address: self.info.address,
      apps,
    }
    const text = JSON.stringify(success(state))
      .replace('"@X@"', `[${self.info.pubkeyG2_X.join(', ')}]`)
      .replace('"@Y@"', `[${self.info.pubkeyG2_Y.join(', ')}]`)
    return c.body(text, 200, { 'Content-Type': 'application/json' })
  })

  app.get('/node/ready', (c) => {
    syncedGuard()
    notPausedGuard()
    return c.json({ status: true })
  })

  app.post('/node/sign_sync_point', async (c) => {
    versionGuard(c, false)
    if (role.isSequencer) throw new ZsequencerHttpError('IsSequencerError')
    syncedGuard()
    await verifyNodeAccess(c, CONTROL_BODY_MAX_BYTES, (signer) => {
      if (signer !== role.sequencerId) {
        throw new ZsequencerHttpError(
          'PermissionDeniedError',
          'Only the current sequencer can call this endpoint',
        )
      }
    })
    const parsed = signSyncPointSchema.safeParse(parseJsonText(c.get('rawBody')))
    if (!parsed.success) throw validationError(parsed.error)
    return c.json(success(signSyncPoint(context, logs, parsed.data)))
  })

  app.post('/node/dispute', async (c) => {
    versionGuard(c, false)
    syncedGuard()
    notPausedGuard()
    const parse = (body: string) => {
      const parsed = disputeSchema.safeParse(parseJsonText(body))
      if (!parsed.success) throw validationError(parsed.error)
      return parsed.data
    }
    await verifyNodeAccess(c, CONTROL_BODY_MAX_BYTES, (_, body) =>
      precheckDispute(node, parse(body)),
    )
    return c.json(success(handleDispute(node, parse(c.get('rawBody')))))
  })

  app.post('/node/switch', async (c) => {
    notPausedGuard()
    versionGuard(c, false)
    const parse = (body: string) => {
      const parsed = switchSchema.safeParse(parseJsonText(body))
      if (!parsed.success) throw validationError(parsed.error)
      return parsed.data
    }
    await verifyNodeAccess(c, CONTROL_BODY_MAX_BYTES, (_, body) =>
      precheckSwitch(node, parse(body)),
    )
    return c.json(handleSwitch(node, parse(c.get('rawBody'))))
  })

  app.put('/sequencer/batches', async (c) => {
    versionGuard(c, true)
    await verifyNodeAccess(c, requestCap, () => {
      if (!role.isSequencer) throw new ZsequencerHttpError('IsNotSequencerError')
    })
    if (!role.isSequencer) throw new ZsequencerHttpError('IsNotSequencerError')
    notPausedGuard()
    const parsed = sequencerPutSchema.safeParse(parseJsonText(c.get('rawBody')))
    if (!parsed.success) throw validationError(parsed.error)
    return c.json(success(node.inbox.accept(c.get('signer'), parsed.data)))
  })

  return app
}

const bulkSchema = z.record(z.string(), z.array(z.string()))

/**
 * `PUT /node/{app}/batches` takes the raw string (text/plain, what zellular SDK 0.2.8 sends) or a
 * JSON string literal; a JSON array or object is FastAPI's 422, as on zsequencer HEAD.
 */
async function readBatchBody(c: Context, maxBatchSizeKb: number): Promise<string> {
  // A JSON string literal may spell each character in six bytes (\uXXXX).
  const text = await readLimitedText(c, maxBatchSizeKb * 1024 * 6 + 2, tooLarge)
  const type = c.req.header('Content-Type') ?? ''
  if (type.startsWith('text/plain')) return text
  const value = parseJsonText(text)
  if (typeof value !== 'string') {
    throw new ValidationHttpError(['body'], 'Input should be a valid string', value)
  }
  return value
}

/** Node-to-node control messages (sign, dispute, switch) are small. */
const CONTROL_BODY_MAX_BYTES = 64 * 1024

/** A body over its cap is refused as it is read, with zsequencer's batch-size error (429). */
const tooLarge = () => new ZsequencerHttpError('BatchSizeExceededError')

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new ValidationHttpError(['body'], 'JSON decode error', text.slice(0, 100))
  }
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

function validationError(error: z.ZodError): ValidationHttpError {
  const issue = error.issues[0]
  return new ValidationHttpError(
    ['body', ...(issue?.path ?? []).map(String)],
    issue?.message ?? '',
    null,
  )
}

/** zsequencer's `StatefulBatch`: every key present, absent values null. */
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
