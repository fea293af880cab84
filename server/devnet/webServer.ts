import { serve, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { existsSync, readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { z } from 'zod'
import { clientAddress } from '../http/clientKey.ts'
import type { FaucetGrant } from '../replica/faucet.ts'
import { RateLimiter } from '../replica/middleware/rateLimit.ts'
import { FaucetAllowance } from './faucetAllowance.ts'

/** Limits of `POST /faucet`. */
interface FaucetLimits {
  /**
   * Grants each address may receive in any hour. A grant is the launcher's fixed amount
   * (`FAUCET_GRANT`: 10,000 USDT, 10 ETH and 0.5 BTC), so this caps the amount per address per
   * hour.
   */
  readonly grantsPerAddressPerHour: number
  /** Faucet requests each client IP address may make per minute (all at once, at most). */
  readonly requestsPerIpPerMinute: number
}

/**
 * Three grants per address per hour cover a person's trying things out, and 20 requests per
 * minute per IP address the end-to-end tests, whose browsers all come from 127.0.0.1.
 */
const defaultFaucetLimits: FaucetLimits = {
  grantsPerAddressPerHour: 3,
  requestsPerIpPerMinute: 20,
}

export interface WebServerOptions {
  /** The built web app (`web/dist`). */
  readonly distDir: string
  /** The replica registry the browser trusts (ids, URLs, BLS keys, quorum). */
  readonly registryFile: string
  readonly host: string
  readonly port: number
  /**
   * Mints test tokens to `address` (`grantFromFaucet`), saying which were granted; absent on
   * networks without a faucet.
   */
  readonly faucet?: (address: string) => Promise<FaucetGrant>
  readonly faucetLimits?: FaucetLimits
  /** Milliseconds; injected for tests. */
  readonly now?: () => number
}

const faucetRequest = z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) })

/** How long a browser keeps a file under `assets/`: for good (its name is its content hash). */
export const assetCacheControl = 'public, max-age=31536000, immutable'

/**
 * Serves the web app, its trust root (`/registry.json`, read from the launcher's file, never from
 * a replica) and, on the local network, `POST /faucet`.
 *
 * The faucet takes `{ address }` as `application/json` only, from the app's own pages: a
 * browser's `Sec-Fetch-Site` must say `same-origin` (or, from a browser that does not send it,
 * `Origin` must be this server's). A JSON content type cannot be sent cross-site without a CORS
 * preflight, which this server never grants. Requests without browser metadata (scripts) are not
 * a page acting for a visitor and pass this check; the limits bound them like anyone else: at
 * most `requestsPerIpPerMinute` per client IP address (429 `rate_limited`) and
 * `grantsPerAddressPerHour` per address (429 `faucet_limit`), both with `Retry-After`.
 *
 * A grant mints each token on its own (`grantFromFaucet`): 202 with the `FaucetGrant` when any
 * token was granted (it lists which, and why the others were not), counted against the
 * address; 502 `faucet_failed` when none was, the grant given back unless a replica may have
 * taken a mint without answering.
 */
export function createWebApp(options: WebServerOptions): Hono {
  const limits = options.faucetLimits ?? defaultFaucetLimits
  const now = options.now ?? (() => Date.now())
  const perIp = new RateLimiter({
    ratePerSecond: limits.requestsPerIpPerMinute / 60,
    burst: limits.requestsPerIpPerMinute,
    now,
  })
  const allowance = new FaucetAllowance({ grantsPerHour: limits.grantsPerAddressPerHour, now })
  const app = new Hono()
  app.get('/registry.json', (c) => {
    c.header('Cache-Control', 'no-store')
    return c.body(readFileSync(options.registryFile, 'utf8'), 200, {
      'Content-Type': 'application/json',
    })
  })
  // `{ address }` is under 100 bytes; anything much larger is refused before it is read.
  const faucetBodyLimit = bodyLimit({
    maxSize: 1024,
    onError: (c) => refuse(c, 413, 'body_too_large', 'The faucet takes { address } only'),
  })
  app.post('/faucet', faucetBodyLimit, async (c) => {
    if (!options.faucet) return refuse(c, 404, 'no_faucet', 'No faucet')
    const waitMs = perIp.take(clientAddress(c))
    if (waitMs > 0) {
      return refuse(c, 429, 'rate_limited', 'Too many faucet requests; try again later', waitMs)
    }
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase()
    if (mediaType !== 'application/json') {
      return refuse(c, 415, 'unsupported_media_type', 'The faucet takes application/json')
    }
    if (!isOwnPage(c)) return refuse(c, 403, 'cross_origin', 'The faucet serves its own app only')
    const parsed = faucetRequest.safeParse(await c.req.json().catch(() => null))
    if (!parsed.success) {
      const error = { code: 'invalid_address', message: 'Expected { address }', field: 'address' }
      return c.json({ error }, 400)
    }
    const address = parsed.data.address.toLowerCase()
    const grantWaitMs = allowance.take(address)
    if (grantWaitMs > 0) {
      const message = `This address had its ${limits.grantsPerAddressPerHour} grants this hour`
      return refuse(c, 429, 'faucet_limit', message, grantWaitMs)
    }
    let grant: FaucetGrant
    try {
      grant = await options.faucet(address)
    } catch (error) {
      // Thrown before any mint was sent (a token the registry lacks, say): nothing minted.
      allowance.refund(address)
      return refuse(c, 502, 'faucet_failed', (error as Error).message)
    }
    if (grant.granted.length > 0) return c.json(grant, 202)
    // The grant counts unless nothing was minted, nor may have been (a replica that took a mint
    // without answering).
    if (!grant.refused.some((mint) => mint.uncertain)) allowance.refund(address)
    const reasons = grant.refused.map((mint) => `${mint.token}: ${mint.reason}`).join(', ')
    return refuse(c, 502, 'faucet_failed', `No replica took the mints (${reasons})`)
  })
  const root = relative(process.cwd(), options.distDir) || '.'
  // Vite names each file under assets/ by its content, so a copy never goes stale: a returning
  // visitor's browser loads the app's 1.2 MB (herumi's WebAssembly included) from its cache.
  app.use('/assets/*', async (c, next) => {
    await next()
    if (c.res.status === 200) c.header('Cache-Control', assetCacheControl)
  })
  app.use('/*', serveStatic({ root }))
  // A file of an older build is gone, not a client-side route.
  app.get('/assets/*', (c) => c.text('Not found', 404))
  // Client-side routes fall back to the app shell.
  app.get('*', (c) => {
    const index = resolve(options.distDir, 'index.html')
    if (!existsSync(index)) return c.text('The web app is not built: run npm run build:web', 503)
    return c.html(readFileSync(index, 'utf8'))
  })
  return app
}

/**
 * Whether a request comes from this server's own pages, as far as a browser says: Fetch
 * Metadata first (set by the browser, not by page scripts), then `Origin`. Vite's dev proxy
 * forwards the browser's `Sec-Fetch-Site: same-origin`, so `npm run dev:web` passes too.
 */
function isOwnPage(c: Context): boolean {
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined) return site === 'same-origin'
  const origin = c.req.header('origin')
  return origin === undefined || origin === new URL(c.req.url).origin
}

/** An error answer in the replicas' shape, with `Retry-After` (seconds) when `waitMs` is set. */
function refuse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  waitMs?: number,
): Response {
  const headers: Record<string, string> =
    waitMs === undefined ? {} : { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) }
  return c.json({ error: { code, message } }, status, headers)
}

export function startWebServer(options: WebServerOptions): Promise<ServerType> {
  const app = createWebApp(options)
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () =>
      resolvePromise(server),
    )
    server.once('error', reject)
  })
}
