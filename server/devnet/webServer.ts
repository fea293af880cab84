import { serve, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { existsSync, readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { z } from 'zod'

export interface WebServerOptions {
  /** The built web app (`web/dist`). */
  readonly distDir: string
  /** The replica registry the browser trusts (ids, URLs, BLS keys, quorum). */
  readonly registryFile: string
  readonly host: string
  readonly port: number
  /** Mints test tokens to `address`; absent on networks without a faucet. */
  readonly faucet?: (address: string) => Promise<unknown>
}

const faucetRequest = z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) })

/**
 * Serves the web app, its trust root (`/registry.json`, read from the launcher's file, never from
 * a replica) and, on the local network, `POST /faucet`.
 */
export function createWebApp(options: WebServerOptions): Hono {
  const app = new Hono()
  app.get('/registry.json', (c) => {
    c.header('Cache-Control', 'no-store')
    return c.body(readFileSync(options.registryFile, 'utf8'), 200, {
      'Content-Type': 'application/json',
    })
  })
  app.post('/faucet', async (c) => {
    if (!options.faucet) return c.json({ error: { code: 'no_faucet', message: 'No faucet' } }, 404)
    const parsed = faucetRequest.safeParse(await c.req.json().catch(() => null))
    if (!parsed.success) {
      const error = { code: 'invalid_address', message: 'Expected { address }', field: 'address' }
      return c.json({ error }, 400)
    }
    try {
      return c.json(await options.faucet(parsed.data.address.toLowerCase()), 202)
    } catch (error) {
      const message = (error as Error).message
      return c.json({ error: { code: 'faucet_failed', message } }, 502)
    }
  })
  const root = relative(process.cwd(), options.distDir) || '.'
  app.use('/*', serveStatic({ root }))
  // Client-side routes fall back to the app shell.
  app.get('*', (c) => {
    const index = resolve(options.distDir, 'index.html')
    if (!existsSync(index)) return c.text('The web app is not built: run npm run build:web', 503)
    return c.html(readFileSync(index, 'utf8'))
  })
  return app
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
