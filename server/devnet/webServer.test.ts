import { serve } from '@hono/node-server'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { errorResponseSchema } from '../../shared/api/index.ts'
import type { FaucetGrant } from '../replica/faucet.ts'
import { createWebApp, type WebServerOptions } from './webServer.ts'

/*
 * The faucet hands out tokens only to the app's own page (a JSON POST from its own origin), a
 * bounded amount per address per hour, and at a bounded rate per client IP address. The mint
 * itself is a recording function here: what is under test is the gate in front of it.
 */

const alice = `0x${'a1'.repeat(20)}`
const bob = `0x${'b2'.repeat(20)}`
const hourMs = 60 * 60_000

/** A grant in which `replicaUrl` took every mint of `tokens`. */
function grantOf(tokens: readonly string[]): FaucetGrant {
  const minted = tokens.map((token, n) => ({
    token,
    amount: '1',
    intentId: `0x${String(n).repeat(64)}`,
    replicaUrl: 'http://127.0.0.1:5001',
  }))
  return { granted: minted, refused: [] }
}

function faucetApp(overrides: Partial<WebServerOptions> = {}) {
  const granted: string[] = []
  let clock = 1_000_000
  const dir = mkdtempSync(`${tmpdir()}/web-server-test-`)
  const app = createWebApp({
    distDir: dir,
    registryFile: `${dir}/registry.json`,
    host: '127.0.0.1',
    port: 0,
    faucet: async (address) => {
      granted.push(address)
      return grantOf(['USDT', 'ETH', 'BTC'])
    },
    faucetLimits: { grantsPerAddressPerHour: 2, requestsPerIpPerMinute: 30 },
    now: () => clock,
    ...overrides,
  })
  const advance = (ms: number) => (clock += ms)
  return { app, granted, advance }
}

/**
 * A POST /faucet as the app's own page sends it (JSON, its own origin), with headers changed
 * (`''` leaves a header out).
 */
function ask(
  app: ReturnType<typeof faucetApp>['app'],
  address: string,
  changes: Record<string, string> = {},
) {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Origin: 'http://127.0.0.1:8000',
    'Sec-Fetch-Site': 'same-origin',
    ...changes,
  }
  for (const [name, value] of Object.entries(changes)) if (value === '') delete headers[name]
  return app.request('http://127.0.0.1:8000/faucet', {
    method: 'POST',
    body: JSON.stringify({ address }),
    headers,
  })
}

async function codeOf(response: Response): Promise<string> {
  return errorResponseSchema.parse(await response.json()).error.code
}

describe('POST /faucet', () => {
  it('grants to a JSON request from the app’s own page', async () => {
    const { app, granted } = faucetApp()
    expect((await ask(app, alice)).status).toBe(202)
    // A script (no browser metadata at all) is not a cross-site page: the limits apply.
    const script = await app.request('http://127.0.0.1:8000/faucet', {
      method: 'POST',
      body: JSON.stringify({ address: bob }),
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    })
    expect(script.status).toBe(202)
    expect(granted).toEqual([alice, bob])
  })

  it('refuses other content types and cross-site pages, minting nothing', async () => {
    const { app, granted } = faucetApp()
    const cases: [Record<string, string>, number, string][] = [
      [{ 'Content-Type': 'text/plain' }, 415, 'unsupported_media_type'],
      [{ 'Content-Type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
      [{ 'Content-Type': 'application/jsonp' }, 415, 'unsupported_media_type'],
      [{ 'Sec-Fetch-Site': 'cross-site' }, 403, 'cross_origin'],
      [{ 'Sec-Fetch-Site': 'same-site' }, 403, 'cross_origin'],
      [{ 'Sec-Fetch-Site': '', Origin: 'http://evil.test' }, 403, 'cross_origin'],
      [{ 'Sec-Fetch-Site': '', Origin: 'null' }, 403, 'cross_origin'],
      [{ 'Content-Length': '5000' }, 413, 'body_too_large'],
    ]
    for (const [headers, status, code] of cases) {
      const response = await ask(app, alice, headers)
      expect([headers, response.status, await codeOf(response)]).toEqual([headers, status, code])
    }
    expect(granted).toEqual([])
  })

  it('caps grants per address per hour, telling when to come back', async () => {
    const { app, granted, advance } = faucetApp()
    expect((await ask(app, alice)).status).toBe(202)
    advance(10 * 60_000)
    expect((await ask(app, alice)).status).toBe(202)
    const third = await ask(app, alice)
    expect(third.status).toBe(429)
    expect(await codeOf(third)).toBe('faucet_limit')
    expect(Number(third.headers.get('retry-after'))).toBe(50 * 60)
    // Another spelling of the same address is the same address.
    expect((await ask(app, alice.toUpperCase().replace('0X', '0x'))).status).toBe(429)
    expect((await ask(app, bob)).status).toBe(202)
    advance(hourMs - 10 * 60_000)
    expect((await ask(app, alice)).status).toBe(202)
    expect(granted).toEqual([alice, alice, bob, alice])
  })

  it('counts a partial grant against the address, and says which tokens it granted', async () => {
    // No replica took the ETH mint (each refused it): USDT and BTC were minted all the same.
    const refused = [{ token: 'ETH', amount: '1', reason: 'rate_limited', uncertain: false }]
    const { app } = faucetApp({
      faucet: async () => ({ ...grantOf(['USDT', 'BTC']), refused }),
    })
    const first = await ask(app, alice)
    expect(first.status).toBe(202)
    const grant = (await first.json()) as FaucetGrant
    expect(grant.granted.map(({ token }) => token)).toEqual(['USDT', 'BTC'])
    expect(grant.refused).toEqual(refused)
    expect((await ask(app, alice)).status).toBe(202)
    expect(await codeOf(await ask(app, alice))).toBe('faucet_limit')
  })

  it('gives the grant back only when nothing was minted, nor may have been', async () => {
    let uncertain = false
    const { app } = faucetApp({
      faucet: async () => ({
        granted: [],
        refused: ['USDT', 'ETH', 'BTC'].map((token) => {
          return { token, amount: '1', reason: uncertain ? 'no_answer' : 'rate_limited', uncertain }
        }),
      }),
    })
    for (let n = 0; n < 3; n++) {
      const failed = await ask(app, alice)
      expect(failed.status).toBe(502)
      expect(await codeOf(failed)).toBe('faucet_failed')
    }
    // A replica that did not answer may have taken a mint: that grant counts.
    uncertain = true
    for (let n = 0; n < 2; n++) expect((await ask(app, alice)).status).toBe(502)
    expect(await codeOf(await ask(app, alice))).toBe('faucet_limit')
  })

  it('limits requests per client IP address over HTTP', async () => {
    const { app } = faucetApp({
      faucetLimits: { grantsPerAddressPerHour: 100, requestsPerIpPerMinute: 3 },
    })
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    const post = (from: string) =>
      new Promise<number>((resolve, reject) => {
        const outgoing = httpRequest({
          host: '127.0.0.1',
          port,
          path: '/faucet',
          method: 'POST',
          localAddress: from,
          headers: { 'Content-Type': 'application/json' },
        })
        outgoing.on('response', (response) => {
          response.resume()
          response.on('end', () => resolve(response.statusCode!))
        })
        outgoing.on('error', reject)
        outgoing.end(JSON.stringify({ address: alice }))
      })
    try {
      const statuses = [await post('127.0.0.1'), await post('127.0.0.1'), await post('127.0.0.1')]
      expect(statuses).toEqual([202, 202, 202])
      expect(await post('127.0.0.1')).toBe(429)
      expect(await post('127.0.0.2')).toBe(202)
    } finally {
      server.close()
    }
  })
})

describe('the app’s files', () => {
  it('are cached for good under assets/, where names carry their content hash; the shell is not', async () => {
    const dir = mkdtempSync(`${tmpdir()}/web-server-test-`)
    mkdirSync(`${dir}/assets`)
    writeFileSync(`${dir}/assets/herumi-B1z4RmKB.wasm`, new Uint8Array([0, 97, 115, 109]))
    writeFileSync(`${dir}/index.html`, '<!doctype html>')
    const { app } = faucetApp({ distDir: dir })
    const wasm = await app.request('http://127.0.0.1:8000/assets/herumi-B1z4RmKB.wasm')
    expect(wasm.status).toBe(200)
    expect(wasm.headers.get('content-type')).toBe('application/wasm')
    expect(wasm.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    // A file of another build is missing, not the app shell under a name cached for good.
    const missing = await app.request('http://127.0.0.1:8000/assets/gone-00000000.js')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('cache-control')).toBeNull()
    const shell = await app.request('http://127.0.0.1:8000/')
    expect(shell.status).toBe(200)
    expect(shell.headers.get('cache-control')).toBeNull()
  })
})
