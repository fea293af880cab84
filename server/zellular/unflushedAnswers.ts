import type { MiddlewareHandler } from 'hono'
import type { ServerResponse } from 'node:http'
import { clientAddress } from '../http/clientKey.ts'
import { PlacesPerClient } from '../http/placesPerClient.ts'
import { ZsequencerHttpError } from './httpErrors.ts'
import type { NodeEnv } from './routeGuards.ts'

/** Answers a node keeps per client address before the network has taken them. */
const UNFLUSHED_PER_CLIENT_MAX = 4

/**
 * Bounds what one client's unread answers cost a node. A page runs to the page cap (25 MB in the
 * local network), and an answer the client does not read stays in the node's memory once the
 * kernel's buffers are full: a client asking for pages without reading them would make the node
 * hold gigabytes. While `UNFLUSHED_PER_CLIENT_MAX` of a client's answers are not yet handed to
 * the network, its next request is refused with 429 BatchesLimitExceededError, which readers
 * take as "wait and retry". Requests without a socket (`app.request`) are not counted.
 */
export function limitUnflushedAnswers(): MiddlewareHandler<NodeEnv> {
  const unflushed = new PlacesPerClient(UNFLUSHED_PER_CLIENT_MAX)
  return async function unflushedAnswers(c, next) {
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing
    if (outgoing === undefined) return next()
    const client = clientAddress(c)
    if (unflushed.isFull(client)) {
      throw new ZsequencerHttpError(
        'BatchesLimitExceededError',
        'Too many answers to this address are unread.',
      )
    }
    await next()
    // Gone already (the client left while a long-poll held it): nothing will be written.
    if (outgoing.destroyed || outgoing.writableFinished) return
    // Others of this client's answers may have taken the last place meanwhile: this one goes out
    // uncounted rather than refused after it was built.
    const release = unflushed.open(client)
    if (release === undefined) return
    outgoing.once('finish', release)
    outgoing.once('close', release)
  }
}
