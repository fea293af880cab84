import { describe, expect, it } from 'vitest'
import { parseIntent, parseUnsignedIntent } from './parseIntent.ts'
import { createTokenRegistry } from './tokens.ts'
import { toIntentFields, toWireIntent } from './toWireIntent.ts'

const tokens = createTokenRegistry([
  { symbol: 'ETH', decimals: 18 },
  { symbol: 'USDT', decimals: 6 },
])
const alice = '0xc66f8fba940064b5ba8d437d6ff829e60134230e'
const bob = '0x7f3b0b1530a0d0ce3d721a6e976c7ea4296a0f5d'
const signature = `0x${'11'.repeat(32)}${'22'.repeat(32)}1b`
const header = {
  signer: '0xc66F8Fba940064B5bA8d437d6fF829E60134230E',
  nonce: '42',
  app: 'zellular-orderbook',
  network: 'devnet',
  version: 1,
}
const transfer = { action: 'transfer', ...header, to: bob, token: 'USDT', amount: '1.5', signature }
const order = {
  action: 'order',
  ...header,
  market: 'ETH/USDT',
  side: 'buy',
  type: 'limit',
  price: '2000.5',
  quantity: '0.25',
  timeInForce: 'POST_ONLY',
  signature,
}
const cancel = { action: 'cancel', ...header, market: 'ETH/USDT', orderId: `0x${'AB'.repeat(32)}` }
const cancelAll = { action: 'cancelAll', ...header, market: 'ETH/USDT', signature }
const canonicalHeader = {
  signer: alice,
  nonce: 42n,
  app: 'zellular-orderbook',
  network: 'devnet',
  version: 1,
}
const ethUsdt = { symbol: 'ETH/USDT', base: 'ETH', quote: 'USDT' }

describe('parseIntent', () => {
  it('parses a transfer into canonical fields and base units', () => {
    expect(parseIntent(transfer, tokens)).toEqual({
      ok: true,
      value: {
        intent: {
          ...canonicalHeader,
          action: 'transfer',
          to: bob,
          token: 'USDT',
          amount: { units: 1_500_000n, decimals: 6 },
        },
        signature,
      },
    })
  })

  it('parses an order with price in quote units and quantity in base units', () => {
    const result = parseIntent(order, tokens)
    expect(result.ok && result.value.intent).toEqual({
      ...canonicalHeader,
      action: 'order',
      market: ethUsdt,
      side: 'buy',
      type: 'limit',
      price: { units: 2_000_500_000n, decimals: 6 },
      quantity: { units: 250_000_000_000_000_000n, decimals: 18 },
      timeInForce: 'POST_ONLY',
    })
  })

  it('parses cancels, lower-casing the order id', () => {
    const one = parseIntent({ ...cancel, signature }, tokens)
    expect(one.ok && one.value.intent).toEqual({
      ...canonicalHeader,
      action: 'cancel',
      market: ethUsdt,
      orderId: `0x${'ab'.repeat(32)}`,
    })
    const all = parseIntent(cancelAll, tokens)
    expect(all.ok && all.value.intent).toEqual({
      ...canonicalHeader,
      action: 'cancelAll',
      market: ethUsdt,
    })
  })

  it('accepts a signature without 0x and in upper case, normalizing it', () => {
    const result = parseIntent({ ...transfer, signature: signature.slice(2).toUpperCase() }, tokens)
    expect(result.ok && result.value.signature).toBe(signature)
  })

  it('round-trips through the wire form for every action', () => {
    for (const wire of [transfer, order, { ...cancel, signature }, cancelAll]) {
      const parsed = parseIntent(wire, tokens)
      if (!parsed.ok) throw new Error(parsed.reason)
      const again = parseIntent(JSON.parse(JSON.stringify(toWireIntent(parsed.value))), tokens)
      expect(again).toEqual(parsed)
      expect(parseUnsignedIntent(toIntentFields(parsed.value.intent), tokens)).toEqual({
        ok: true,
        value: parsed.value.intent,
      })
    }
  })
})

describe('parseIntent on hostile input', () => {
  it.each([
    [null, 'malformed_intent', undefined],
    [undefined, 'malformed_intent', undefined],
    [42, 'malformed_intent', undefined],
    ['{"action":"transfer"}', 'malformed_intent', undefined],
    [[transfer], 'malformed_intent', undefined],
    [{}, 'unknown_action', 'action'],
    [{ ...transfer, action: 'withdraw' }, 'unknown_action', 'action'],
    [{ ...transfer, action: 'Transfer' }, 'unknown_action', 'action'],
  ])('rejects the non-intent %j', (json, reason, field) => {
    expect(parseIntent(json, tokens)).toEqual({ ok: false, reason, ...(field && { field }) })
  })

  // Each row breaks one field of a valid intent; `undefined` removes the field.
  it.each([
    [transfer, 'signer', undefined, 'missing_field'],
    [transfer, 'signer', 12, 'invalid_field'],
    [transfer, 'signer', alice.toUpperCase(), 'invalid_address'],
    [transfer, 'signer', '0xC66F8Fba940064B5bA8d437d6fF829E60134230E', 'address_checksum_mismatch'],
    [transfer, 'signer', `${alice}\n`, 'invalid_address'],
    [transfer, 'nonce', 42, 'invalid_field'],
    [transfer, 'nonce', '', 'invalid_nonce'],
    [transfer, 'nonce', '-1', 'invalid_nonce'],
    [transfer, 'nonce', '042', 'invalid_nonce'],
    [transfer, 'nonce', '1e3', 'invalid_nonce'],
    [transfer, 'nonce', '18446744073709551616', 'invalid_nonce'],
    [transfer, 'nonce', '1'.repeat(21), 'invalid_nonce'],
    [transfer, 'app', 'Zellular-Orderbook', 'invalid_app'],
    [transfer, 'app', 'zellular\norderbook', 'invalid_app'],
    [transfer, 'app', 'zellular-orderbook\r\nTo: 0x00', 'invalid_app'],
    [transfer, 'app', '', 'invalid_app'],
    [transfer, 'app', 'a'.repeat(65), 'invalid_app'],
    [transfer, 'network', 'dev net', 'invalid_network'],
    [transfer, 'version', 2, 'unsupported_version'],
    [transfer, 'version', '1', 'unsupported_version'],
    [transfer, 'version', undefined, 'missing_field'],
    [transfer, 'to', '0x1234', 'invalid_address'],
    [transfer, 'to', '0x7F3b0b1530A0d0Ce3D721a6e976C7eA4296A0f5D', 'address_checksum_mismatch'],
    [transfer, 'token', 'usdt', 'invalid_token'],
    [transfer, 'token', '__proto__', 'invalid_token'],
    [transfer, 'token', 'DAI', 'unknown_token'],
    [transfer, 'amount', 1.5, 'invalid_field'],
    [transfer, 'amount', '0', 'amount_not_positive'],
    [transfer, 'amount', '0.0', 'amount_not_positive'],
    [transfer, 'amount', '-1', 'invalid_amount'],
    [transfer, 'amount', '+1', 'invalid_amount'],
    [transfer, 'amount', '1e3', 'invalid_amount'],
    [transfer, 'amount', ' 1', 'invalid_amount'],
    [transfer, 'amount', '1\n', 'invalid_amount'],
    [transfer, 'amount', 'NaN', 'invalid_amount'],
    [transfer, 'amount', '0x10', 'invalid_amount'],
    [transfer, 'amount', '1.0000001', 'amount_too_precise'],
    [transfer, 'amount', '340282366920938463463374607431768.211456', 'amount_too_large'],
    [transfer, 'amount', '9'.repeat(100_000), 'invalid_amount'],
    [transfer, 'signature', '0x1234', 'invalid_signature'],
    [transfer, 'signature', undefined, 'missing_field'],
    [transfer, 'signature', `${signature} `, 'invalid_signature'],
    [order, 'market', 'ETHUSDT', 'invalid_market'],
    [order, 'market', 'ETH/DAI', 'unknown_token'],
    [order, 'market', 'ETH/ETH', 'market_tokens_equal'],
    [order, 'side', 'BUY', 'invalid_side'],
    [order, 'type', 'stop', 'invalid_order_type'],
    [order, 'timeInForce', 'FOK', 'invalid_time_in_force'],
    [{ ...order, type: 'market' }, 'timeInForce', 'GTC', 'market_order_requires_ioc'],
    [{ ...order, type: 'market' }, 'timeInForce', 'POST_ONLY', 'market_order_requires_ioc'],
    [order, 'price', '0', 'amount_not_positive'],
    [order, 'price', '2000.0000001', 'amount_too_precise'],
    [order, 'quantity', '-0.5', 'invalid_amount'],
    [order, 'quantity', '0.0000000000000000001', 'amount_too_precise'],
    [{ ...cancel, signature }, 'orderId', '0x1234', 'invalid_order_id'],
    [{ ...cancel, signature }, 'orderId', undefined, 'missing_field'],
  ])('%#: rejects %s.%s = %j', (base, field, value, reason) => {
    const json: Record<string, unknown> = { ...base, [field]: value }
    if (value === undefined) delete json[field]
    expect(parseIntent(json, tokens)).toEqual({ ok: false, reason, field })
  })

  it('rejects unknown keys, including __proto__ from JSON.parse', () => {
    const extra = { ...transfer, memo: 'hi' }
    expect(parseIntent(extra, tokens)).toEqual({
      ok: false,
      reason: 'unknown_field',
      field: 'memo',
    })
    const polluted = JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(transfer).slice(1)}`)
    expect(parseIntent(polluted, tokens)).toMatchObject({ ok: false, reason: 'unknown_field' })
    const fieldsOfOrder = { ...cancelAll, price: '1' }
    expect(parseIntent(fieldsOfOrder, tokens)).toMatchObject({ reason: 'unknown_field' })
  })

  it('never throws, even on objects that throw when read', () => {
    const throwing = Object.defineProperty({ ...transfer }, 'amount', {
      enumerable: true,
      get() {
        throw new Error('boom')
      },
    })
    const proxy = new Proxy(transfer, {
      get() {
        throw new Error('boom')
      },
    })
    expect(parseIntent(throwing, tokens)).toMatchObject({ ok: false })
    expect(parseIntent(proxy, tokens)).toMatchObject({ ok: false })
  })

  it('parses unsigned fields and refuses a signature among them', () => {
    const { signature: _, ...fields } = transfer
    expect(parseUnsignedIntent(fields, tokens).ok).toBe(true)
    expect(parseUnsignedIntent(transfer, tokens)).toEqual({
      ok: false,
      reason: 'unknown_field',
      field: 'signature',
    })
  })
})
