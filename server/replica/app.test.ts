import bls from '@chainsafe/bls/herumi'
import { request as httpRequest } from 'node:http'
import { hexToBytes } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  errorResponseSchema,
  marketsResponseSchema,
  orderbookResponseSchema,
  ordersResponseSchema,
  signedBalanceSchema,
  statusResponseSchema,
  tradesResponseSchema,
  txResponseSchema,
} from '../../shared/api/index.ts'
import { verifyBalanceAttestation } from '../../shared/attest/index.ts'
import { signIntent, testAccount } from '../../shared/exchange/testing.ts'
import { intentId, parseAddress, type WireIntent } from '../../shared/intents/index.ts'
import { toHighS, toZeroOneV } from '../../shared/intents/testing.ts'
import type { Replica } from './replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  faucet,
  InMemorySequencer,
  serveOnLoopback,
  testGenesis,
  testTokens,
  waitFor,
  sqliteOf,
} from './testing.ts'

const stranger = testAccount(999)
let sequencer: InMemorySequencer
let replica: Replica
let running: Promise<void>
let nonce = 0

beforeAll(async () => {
  sequencer = new InMemorySequencer()
  replica = await createTestReplica({ sequencer })
  running = replica.start()
})
afterAll(async () => {
  await replica.stop()
  await running
})

const transfer = (fields: Record<string, string> = {}, account = alice) =>
  signIntent(account, testTokens, {
    action: 'transfer',
    nonce: String(++nonce),
    to: bob.address,
    token: 'USDT',
    amount: '1.25',
    ...fields,
  })

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return replica.app.request(path, {
    method: 'POST',
    body: text,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

async function get(path: string) {
  const response = await replica.app.request(path)
  return { status: response.status, body: (await response.json()) as unknown }
}

async function applied(intentId: string) {
  await waitFor(async () => {
    const tx = await get(`/tx/${intentId}`)
    return tx.status === 200 && (tx.body as { status: string }).status !== 'pending'
  })
  return txResponseSchema.parse((await get(`/tx/${intentId}`)).body)
}

describe('submitting intents', () => {
  it('accepts a signed transfer, sequences it and reports the receipt', async () => {
    const response = await post('/transfer', transfer())
    expect(response.status).toBe(202)
    const { intentId, status } = (await response.json()) as { intentId: string; status: string }
    expect(status).toBe('pending')
    const tx = await applied(intentId)
    expect(tx).toMatchObject({ status: 'applied', action: 'transfer', signer: alice.address })
    expect(tx.batchIndex).toBeGreaterThan(0)
  })

  it('refuses bad input with the one error shape and changes nothing', async () => {
    const before = sequencer.bodies.length
    const hashBefore = replica.state.stateHash()
    const good = transfer()
    const cases: [string, unknown, number, string, Record<string, string>?][] = [
      ['/transfer', '{"action": "transfer",', 400, 'malformed_json'],
      ['/transfer', 'x'.repeat(20_000), 413, 'body_too_large'],
      ['/transfer', { ...good, amount: '0' }, 400, 'amount_not_positive'],
      ['/transfer', { ...good, amount: '-5' }, 400, 'invalid_amount'],
      ['/transfer', { ...good, amount: '1.1234567' }, 400, 'amount_too_precise'],
      ['/transfer', { ...good, amount: '1e3' }, 400, 'invalid_amount'],
      ['/transfer', { ...good, amount: '9'.repeat(60) }, 400, 'amount_too_large'],
      ['/transfer', { ...good, amount: 5 }, 400, 'invalid_field'],
      ['/transfer', { ...good, to: '0x1234' }, 400, 'invalid_address'],
      ['/transfer', { ...good, to: `0x${'aB'.repeat(20)}` }, 400, 'address_checksum_mismatch'],
      ['/transfer', { ...good, token: 'DOGE' }, 400, 'unknown_token'],
      ['/transfer', { ...good, token: 'usdt' }, 400, 'invalid_token'],
      ['/transfer', { ...good, signer: bob.address }, 401, 'signer_mismatch'],
      ['/transfer', { ...good, amount: '2' }, 401, 'signer_mismatch'],
      ['/transfer', { ...good, signature: '0x1234' }, 401, 'invalid_signature'],
      ['/transfer', { ...good, extra: 1 }, 400, 'unknown_field'],
      ['/transfer', [good], 400, 'malformed_intent'],
      ['/transfer', null, 400, 'malformed_intent'],
      ['/order', good, 400, 'wrong_action'],
      ['/mint', good, 400, 'wrong_action'],
      ['/transfer', transfer({ amount: '2000000' }), 422, 'insufficient_available'],
      ['/transfer', transfer({ to: alice.address }), 422, 'self_transfer'],
      ['/transfer', transfer({}, stranger), 422, 'insufficient_available'],
      ['/mint', signIntent(bob, testTokens, mintFields(bob.address)), 422, 'not_issuer'],
      [
        '/transfer',
        signIntent(alice, testTokens, { ...transferFields(), nonce: '1' }, otherApp),
        400,
        'wrong_app',
      ],
    ]
    for (const [path, body, status, code] of cases) {
      const response = await post(path, body)
      const answer = errorResponseSchema.parse(await response.json())
      expect([path, code, response.status, answer.error.code]).toEqual([path, code, status, code])
    }
    expect(sequencer.bodies.length).toBe(before)
    expect(replica.state.stateHash()).toBe(hashBefore)
  })

  it('refuses a chunked body over the limit while reading it', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(8_000))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 4) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const response = await replica.app.request('/transfer', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(413)
    expect(errorResponseSchema.parse(await response.json()).error.code).toBe('body_too_large')
  })

  it('limits and reads bodies the same when served over HTTP by @hono/node-server', async () => {
    // Served for real, bodies are read from the Node request, not through a Web stream.
    const { server, port } = await serveOnLoopback(replica.app.fetch)
    const url = `http://127.0.0.1:${port}/transfer`
    const send = (body: string, chunked: boolean) =>
      new Promise<{ status: number; code: string }>((resolve, reject) => {
        const outgoing = httpRequest(url, {
          method: 'POST',
          headers: chunked
            ? { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        })
        outgoing.on('response', (response) => {
          let text = ''
          response.on('data', (chunk: Buffer) => (text += chunk.toString()))
          response.on('end', () => {
            const parsed = errorResponseSchema.safeParse(JSON.parse(text))
            resolve({ status: response.statusCode!, code: parsed.data?.error.code ?? '' })
          })
        })
        outgoing.on('error', reject)
        if (chunked)
          for (let i = 0; i < body.length; i += 4_000) outgoing.write(body.slice(i, i + 4_000))
        outgoing.end(chunked ? undefined : body)
      })
    try {
      const oversize = 'x'.repeat(32_000)
      expect(await send(oversize, false)).toEqual({ status: 413, code: 'body_too_large' })
      expect(await send(oversize, true)).toEqual({ status: 413, code: 'body_too_large' })
      expect(await send('{"action":', true)).toEqual({ status: 400, code: 'malformed_json' })
      expect(await send(JSON.stringify(transfer()), false)).toMatchObject({ status: 202 })
    } finally {
      server.close()
    }
  })

  it('applies an intent at most once, whatever the signature spelling', async () => {
    const original = transfer()
    const first = await post('/transfer', original)
    expect(first.status).toBe(202)
    const twins = [original, { ...original, signature: toHighS(original.signature) }]
    twins.push({ ...original, signature: toZeroOneV(original.signature) })
    twins.push({ ...original, signature: original.signature.slice(2) })
    for (const twin of twins) {
      const response = await post('/transfer', twin)
      expect(response.status).toBe(409)
      expect(errorResponseSchema.parse(await response.json()).error.code).toBe('replay')
    }
    const { intentId } = (await first.json()) as { intentId: string }
    await applied(intentId)
    for (const twin of twins) expect((await post('/transfer', twin)).status).toBe(409)
    // Pushed straight into the sequence by someone else: still applied once.
    const balance = replica.state.exchange.ledger.balance(bob.address, 'USDT')
    sequencer.append(JSON.stringify(twins))
    await waitFor(() => replica.state.position.index === sequencer.bodies.length)
    expect(replica.state.exchange.ledger.balance(bob.address, 'USDT')).toEqual(balance)
  })

  it('skips hostile batches pushed straight into the sequence and keeps applying', async () => {
    const valid = transfer()
    const hostile = [
      'not json',
      '{"action":"transfer"}',
      '[null, 5, "x", [], {}]',
      `[${'['.repeat(5_000)}${']'.repeat(5_000)}]`,
      JSON.stringify([
        { ...transfer(), network: 'mainnet' },
        { ...transfer(), signature: '0x00' },
      ]),
      JSON.stringify([transfer()]).replace('{"action"', '{"__proto__":{"admin":true},"action"'),
      JSON.stringify([valid]),
    ]
    for (const body of hostile) sequencer.append(body)
    await waitFor(() => replica.state.position.index === sequencer.bodies.length)
    const { intentId } = (await (await post('/transfer', valid)).json()) as { intentId?: string }
    expect(intentId).toBeUndefined() // already applied: a replay
    const id = intentIdOf(valid)
    expect((await applied(id)).status).toBe('applied')
  })

  it('lets the faucet mint', async () => {
    const response = await post(
      '/mint',
      signIntent(faucet, testTokens, mintFields(stranger.address)),
    )
    expect(response.status).toBe(202)
    const { intentId } = (await response.json()) as { intentId: string }
    expect((await applied(intentId)).status).toBe('applied')
    expect(replica.state.exchange.ledger.available(stranger.address, 'BTC')).toBe(300_000_000n)
  })

  it('answers 202 unknown when no Zellular node takes the batch, and sends it again', async () => {
    // The batch may have arrived all the same: the intent stays pending, so it is never
    // answered as a failure that invites signing it again (see routes/submitRoutes.test.ts).
    sequencer.failing = true
    const intent = transfer()
    const response = await post('/transfer', intent)
    sequencer.failing = false
    expect(response.status).toBe(202)
    const { intentId, status } = (await response.json()) as { intentId: string; status: string }
    expect(status).toBe('unknown')
    expect((await post('/transfer', intent)).status).toBe(409)
    expect((await applied(intentId)).status).toBe('applied')
  })
})

const otherApp = { app: 'another-app', network: 'devnet' }
function intentIdOf(wire: WireIntent): string {
  const signer = parseAddress(wire.signer)
  if (!signer.ok) throw new Error(signer.reason)
  return intentId({
    app: wire.app,
    network: wire.network,
    signer: signer.value,
    nonce: BigInt(wire.nonce),
  })
}
function transferFields(): Record<string, string> {
  return { action: 'transfer', nonce: '1', to: bob.address, token: 'USDT', amount: '1' }
}
function mintFields(to: string): Record<string, string> {
  return { action: 'mint', nonce: String(++nonce), to, token: 'BTC', amount: '3' }
}

describe('reading balances', () => {
  it('signs balances that verify with @chainsafe/bls against the registry key', async () => {
    const { status, body } = await get(
      `/balance?address=${bob.address.toUpperCase().replace('0X', '0x')}&token=USDT`,
    )
    expect(status).toBe(200)
    const signed = signedBalanceSchema.parse(body)
    expect(signed.attestation).toMatchObject({
      address: bob.address,
      token: 'USDT',
      replicaId: 'replica-1',
    })
    expect(signed.attestation.index).toBe(replica.state.position.index)
    const registryKey = replica.deps.registry.replicas[0]!.blsPublicKey
    expect(
      bls.verify(
        hexToBytes(registryKey as `0x${string}`),
        hexToBytes(signed.digest as `0x${string}`),
        hexToBytes(signed.signature as `0x${string}`),
      ),
    ).toBe(true)
    expect(verifyBalanceAttestation(signed.attestation, signed.signature, registryKey)).toBe(true)
  })

  it('answers as of an older index from the history, and 409 ahead of the applied index', async () => {
    const now = replica.state.position.index
    const atGenesis = signedBalanceSchema.parse(
      (await get(`/balance?address=${bob.address}&token=USDT&index=0`)).body,
    )
    expect(atGenesis.attestation).toMatchObject({
      available: '1000000000000',
      locked: '0',
      index: 0,
    })
    const ahead = await get(`/balance?address=${bob.address}&token=USDT&index=${now + 5}`)
    expect(ahead.status).toBe(409)
    expect(errorResponseSchema.parse(ahead.body).error.code).toBe('index_ahead')
    for (const [query, code] of [
      ['address=0x12&token=USDT', 'invalid_address'],
      [`address=${bob.address}&token=DOGE`, 'unknown_token'],
      [`address=${bob.address}`, 'invalid_request'],
      [`address=${bob.address}&token=USDT&index=-1`, 'invalid_request'],
    ] as const) {
      const answer = await get(`/balance?${query}`)
      expect([query, answer.status, errorResponseSchema.parse(answer.body).error.code]).toEqual([
        query,
        400,
        code,
      ])
    }
    const all = (await get(`/balances?address=${bob.address}`)).body as { balances: unknown[] }
    expect(all.balances).toHaveLength(testGenesis.tokens.length)
  })

  it('reports status, markets and 404s in the error shape', async () => {
    // The state hash is recomputed on a 50 ms schedule here, not per request: once it has
    // caught up it is the hash at the applied index.
    await new Promise((resolve) => setTimeout(resolve, 150))
    const status = statusResponseSchema.parse((await get('/status')).body)
    expect(status).toMatchObject({
      replicaId: 'replica-1',
      appliedIndex: replica.state.position.index,
      stateHashIndex: replica.state.position.index,
      stateHash: replica.state.stateHash(),
    })
    expect(
      marketsResponseSchema.parse((await get('/markets')).body).markets.map((m) => m.id),
    ).toEqual(['ETH/USDT', 'BTC/USDT'])
    const missing = await get('/nope')
    expect(missing.status).toBe(404)
    expect(errorResponseSchema.parse(missing.body).error.code).toBe('not_found')
    expect((await get(`/tx/0x${'00'.repeat(32)}`)).status).toBe(404)
  })
})

describe('CORS', () => {
  it('allows the configured origins on answers, errors and preflights', async () => {
    const answer = await replica.app.request('/status', { headers: { Origin: 'http://x.test' } })
    expect(answer.headers.get('access-control-allow-origin')).toBe('*')
    const error = await replica.app.request('/nope', { headers: { Origin: 'http://x.test' } })
    expect(error.headers.get('access-control-allow-origin')).toBe('*')
    const strict = await createTestReplica({
      sequencer: new InMemorySequencer(),
      parameters: { corsOrigins: ['http://app.test'] },
    })
    const preflight = await strict.app.request('/transfer', {
      method: 'OPTIONS',
      headers: { Origin: 'http://app.test', 'Access-Control-Request-Method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.test')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Content-Type')
    const foreign = await strict.app.request('/status', { headers: { Origin: 'http://evil.test' } })
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    await strict.stop()
  })
})

describe('trading', () => {
  const order = (
    account: typeof alice,
    side: string,
    price: string,
    quantity: string,
    extra = {},
  ) =>
    signIntent(account, testTokens, {
      action: 'order',
      nonce: String(++nonce),
      market: 'ETH/USDT',
      side,
      type: 'limit',
      price,
      quantity,
      timeInForce: 'GTC',
      ...extra,
    })

  it('places, matches and cancels orders; book, orders and trades agree', async () => {
    const sell = await post('/order', order(bob, 'sell', '2500', '2'))
    expect(sell.status).toBe(202)
    const sellId = ((await sell.json()) as { intentId: string }).intentId
    await applied(sellId)
    const book = orderbookResponseSchema.parse((await get('/orderbook?market=ETH/USDT')).body)
    expect(book.asks).toEqual([{ price: '2500000000', quantity: '2000000000000000000', orders: 1 }])
    const buy = await post('/order', order(alice, 'buy', '2600', '0.5'))
    const buyId = ((await buy.json()) as { intentId: string }).intentId
    await applied(buyId)
    const trades = tradesResponseSchema.parse((await get('/trades?market=ETH/USDT')).body)
    expect(trades.trades[0]).toMatchObject({
      price: '2500000000',
      quantity: '500000000000000000',
      makerOrderId: sellId,
      takerOrderId: buyId,
    })
    const orders = ordersResponseSchema.parse((await get(`/orders?address=${bob.address}`)).body)
    expect(orders.orders[0]).toMatchObject({
      orderId: sellId,
      status: 'open',
      filled: '500000000000000000',
      remaining: '1500000000000000000',
    })
    expect(orders.orders[0]?.fills).toHaveLength(1)
    const locked = signedBalanceSchema.parse(
      (await get(`/balance?address=${bob.address}&token=ETH`)).body,
    )
    expect(locked.attestation.locked).toBe('1500000000000000000')
    const cancel = signIntent(bob, testTokens, {
      action: 'cancel',
      nonce: String(++nonce),
      market: 'ETH/USDT',
      orderId: sellId,
    })
    const cancelled = await post('/cancel', cancel)
    expect(cancelled.status).toBe(202)
    await applied(((await cancelled.json()) as { intentId: string }).intentId)
    const after = orderbookResponseSchema.parse((await get('/orderbook?market=ETH/USDT')).body)
    expect(after.asks).toEqual([])
    expect(after.seq).toBeGreaterThan(book.seq)
    const foreign = signIntent(alice, testTokens, {
      action: 'cancel',
      nonce: String(++nonce),
      market: 'ETH/USDT',
      orderId: sellId,
    })
    expect(
      errorResponseSchema.parse(await (await post('/cancel', foreign)).json()).error.code,
    ).toBe('unknown_order')
  })

  it('refuses orders off the grid or beyond the balance before sequencing', async () => {
    for (const [body, code] of [
      [order(alice, 'buy', '2500.001', '1'), 'price_not_on_tick'],
      [order(alice, 'buy', '2500', '0.0001'), 'quantity_not_on_lot'],
      [order(alice, 'buy', '2500', '0.001'), 'below_min_size'],
      [order(alice, 'buy', '2500', '1000'), 'insufficient_available'],
      [order(alice, 'buy', '2500', '1', { market: 'ETH/BTC' }), 'unknown_market'],
    ] as const) {
      const response = await post('/order', body)
      expect([
        code,
        response.status,
        errorResponseSchema.parse(await response.json()).error.code,
      ]).toEqual([code, code === 'unknown_market' ? 404 : 422, code])
    }
  })
})

describe('restarting', () => {
  it('rebuilds the same state from the database', async () => {
    const file = sqliteOf(replica.state).name
    const hash = replica.state.stateHash()
    const index = replica.state.position.index
    const second = await createTestReplica({
      sequencer: new InMemorySequencer(),
      databaseFile: file,
    })
    expect(second.state.position.index).toBe(index)
    expect(second.state.stateHash()).toBe(hash)
    await second.stop()
  })
})

describe('the event stream', () => {
  it('sends hello, then receipts, orders, book deltas, balances and applied, in order', async () => {
    const controller = new AbortController()
    const response = await replica.app.request(`/events?address=${alice.address}`, {
      signal: controller.signal,
    })
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    const events: { event: string; id: number; data: Record<string, unknown> }[] = []
    let buffer = ''
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const { value } = await reader.read()
        buffer += value ?? ''
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const fields = Object.fromEntries(
            buffer
              .slice(0, end)
              .split('\n')
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
          )
          buffer = buffer.slice(end + 2)
          if (fields.event !== undefined) {
            events.push({
              event: fields.event,
              id: Number(fields.id),
              data: JSON.parse(fields.data ?? 'null'),
            })
          }
        }
      }
    }
    await readUntil(() => events.length >= 1)
    expect(events[0]).toMatchObject({ event: 'hello', data: { replicaId: 'replica-1' } })
    const order = signIntent(alice, testTokens, {
      action: 'order',
      nonce: String(++nonce),
      market: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      price: '30000',
      quantity: '0.01',
      timeInForce: 'GTC',
    })
    // Past the state-hash interval (50 ms here), so this batch's applied event carries one.
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect((await post('/order', order)).status).toBe(202)
    await readUntil(() => events.some((event) => event.event === 'applied'))
    controller.abort()
    const names = events.slice(1).map((event) => event.event)
    expect(names).toEqual(['receipt', 'order', 'book', 'balance', 'applied'])
    expect(events.slice(1).map((event) => event.id)).toEqual(
      [...events.slice(1).keys()].map((i) => events[1]!.id + i),
    )
    const book = events.find((event) => event.event === 'book')!.data
    expect(book).toMatchObject({ market: 'BTC/USDT', side: 'buy', price: '30000000000' })
    expect(book.seq).toBeGreaterThan(0)
    expect(events.find((event) => event.event === 'balance')!.data).toMatchObject({
      address: alice.address,
      token: 'USDT',
    })
    const applied = events.at(-1)!.data
    expect(applied.index).toBe(replica.state.position.index)
    expect(applied.stateHash).toBe(replica.state.stateHash())
  })

  it('sends only the event types asked for', async () => {
    const controller = new AbortController()
    const response = await replica.app.request('/events?types=applied', {
      signal: controller.signal,
    })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    expect((await post('/transfer', transfer())).status).toBe(202)
    let text = ''
    while (!text.includes('event: applied')) text += (await reader.read()).value ?? ''
    controller.abort()
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1])
    expect(names).toEqual(['hello', 'applied'])
    expect((await replica.app.request('/events?types=nope')).status).toBe(400)
  })
})
