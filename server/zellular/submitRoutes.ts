import type { Hono } from 'hono'
import { z } from 'zod'
import { clientAddress } from '../http/clientKey.ts'
import { readLimitedText } from '../http/limitedBody.ts'
import { ValidationHttpError, ZsequencerHttpError, success } from './httpErrors.ts'
import { isOversizeBatch } from './rateLimiter.ts'
import {
  parseBody,
  parseJsonText,
  tooLarge,
  type NodeEnv,
  type NodeRequest,
  type RouteDeps,
  type RouteGuards,
} from './routeGuards.ts'

const bulkSchema = z.record(z.string(), z.array(z.string()))

/** Client batch submission (§7.1, §7.2): queued on a follower, sequenced on the sequencer. */
export function registerSubmitRoutes(app: Hono<NodeEnv>, node: RouteDeps, guards: RouteGuards) {
  const { context, logs, intake } = node
  const { config, network, clock } = context
  const isPostingNode = () => network.operator(context.id)?.roles.includes('posting') === true

  /** `PUT /node/{app}/batches`: one batch. */
  const putBatch = async (c: NodeRequest) => {
    guards.version(c, false)
    guards.synced()
    guards.notPaused()
    const body = await readBatchBody(c, config.maxBatchSizeKb)
    if (!isPostingNode()) throw new ZsequencerHttpError('IsNotPostingNodeError')
    const appName = c.req.param('app')!
    logs.get(appName)
    if (isOversizeBatch(body, config.maxBatchSizeKb)) {
      throw new ZsequencerHttpError('BatchSizeExceededError')
    }
    intake.accept(clientAddress(c), [{ app: appName, bodies: [body] }], clock.now())
    return c.json(success({}, 'The batch is received successfully.'))
  }

  /** `PUT /node/batches`: `{app: [batch, …]}`; unknown apps and oversize batches are dropped. */
  const putBulk = async (c: NodeRequest) => {
    guards.version(c, false)
    guards.synced()
    guards.notPaused()
    const text = await readLimitedText(c, config.maxRequestKb * 1024, tooLarge)
    const request = parseBody(bulkSchema, text)
    if (!isPostingNode()) throw new ZsequencerHttpError('IsNotPostingNodeError')
    refuseOverCount(request, config.maxBatchesPerRequest)
    // Unknown apps and oversize batches are dropped silently, as zsequencer does.
    const batches = Object.entries(request)
      .filter(([appName]) => logs.has(appName))
      .map(([appName, bodies]) => ({
        app: appName,
        bodies: bodies.filter((body) => !isOversizeBatch(body, config.maxBatchSizeKb)),
      }))
    intake.accept(clientAddress(c), batches, clock.now())
    return c.json(success({}, 'The batches are received successfully.'))
  }

  app.put('/node/:app/batches', putBatch)
  app.put('/node/batches', putBulk)
}

/** A bulk PUT holds at most `max` batches, all apps together, whatever their size. */
function refuseOverCount(request: Record<string, readonly string[]>, max: number): void {
  let count = 0
  for (const bodies of Object.values(request)) count += bodies.length
  if (count > max) {
    const message = `A request may hold at most ${max} batches.`
    throw new ZsequencerHttpError('BatchesLimitExceededError', message)
  }
}

/**
 * `PUT /node/{app}/batches` takes the raw string (text/plain, what zellular SDK 0.2.8 sends) or a
 * JSON string literal; a JSON array or object is FastAPI's 422, as on zsequencer HEAD.
 */
async function readBatchBody(c: NodeRequest, maxBatchSizeKb: number): Promise<string> {
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
