import { describe, expect, it } from 'vitest'
import { bytesToBase64url } from './base64url.ts'
import { parseBatchItem, toBatchItem } from './batchItem.ts'
import type { SignedIntent } from './intent.ts'
import { parseIntent } from './parseIntent.ts'
import { createTokenRegistry } from './tokens.ts'

const tokens = createTokenRegistry([
  { symbol: 'ETH', decimals: 18 },
  { symbol: 'USDT', decimals: 6 },
])
const domain = { app: 'zellular-orderbook', network: 'devnet' }
const signature = `0x${'11'.repeat(32)}${'22'.repeat(32)}1b`
const header = {
  signer: '0xc66f8fba940064b5ba8d437d6ff829e60134230e',
  nonce: '1733456789123',
  ...domain,
  version: 1,
}
const bob = '0x7f3b0b1530a0d0ce3d721a6e976c7ea4296a0f5d'
const wires = {
  transfer: { action: 'transfer', ...header, to: bob, token: 'USDT', amount: '1937.45' },
  mint: { action: 'mint', ...header, to: bob, token: 'ETH', amount: '0.000000000000000001' },
  order: {
    action: 'order',
    ...header,
    market: 'ETH/USDT',
    side: 'sell',
    type: 'limit',
    price: '2000.5',
    quantity: '0.25',
    timeInForce: 'POST_ONLY',
  },
  cancel: { action: 'cancel', ...header, market: 'ETH/USDT', orderId: `0x${'ab'.repeat(32)}` },
  cancelAll: { action: 'cancelAll', ...header, market: 'ETH/USDT' },
}

function signedOf(wire: object): SignedIntent {
  const parsed = parseIntent({ ...wire, signature }, tokens)
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.value
}

/** The compact item of the transfer, as an array, with `edit` applied. */
function editedTransfer(edit: (fields: unknown[]) => void): unknown[] {
  const fields = JSON.parse(toBatchItem(signedOf(wires.transfer), 'compact')) as unknown[]
  edit(fields)
  return fields
}

describe('batch items', () => {
  it.each(Object.entries(wires))('give back the same %s in both forms', (_, wire) => {
    const signed = signedOf(wire)
    for (const encoding of ['compact', 'json'] as const) {
      const item = JSON.parse(toBatchItem(signed, encoding)) as unknown
      expect(parseBatchItem(item, tokens, domain)).toEqual({ ok: true, value: signed })
    }
  })

  it('write the compact form as the action, then the fields but app, network and version', () => {
    const item = JSON.parse(toBatchItem(signedOf(wires.transfer), 'compact')) as unknown[]
    expect(item).toEqual([
      'transfer',
      'xm-PupQAZLW6jUN9b_gp5gE0Iw4',
      '1733456789123',
      'fzsLFTCg0M49chpul2x-pClqD10',
      'USDT',
      '1937.45',
      expect.stringMatching(/^ERER[A-Za-z0-9_-]{83}$/),
    ])
  })

  it('fit at least twice as many intents into a 5,000-byte batch in the compact form', () => {
    // A batch is `[item,item,…]`: 2 bytes of brackets, 1 of comma per item.
    const perBatch = (item: string) => Math.floor((5_000 - 2) / (item.length + 1))
    for (const wire of [wires.transfer, wires.order, wires.cancel]) {
      const signed = signedOf(wire)
      expect(perBatch(toBatchItem(signed, 'compact'))).toBeGreaterThanOrEqual(
        2 * perBatch(toBatchItem(signed, 'json')),
      )
    }
  })

  it('take the domain from the reader: a compact item names none', () => {
    const item = JSON.parse(toBatchItem(signedOf(wires.cancelAll), 'compact')) as unknown
    const other = parseBatchItem(item, tokens, { app: 'other-app', network: 'mainnet' })
    expect(other.ok && other.value.intent).toMatchObject({ app: 'other-app', network: 'mainnet' })
  })

  it.each([
    ['an unknown action', (f: unknown[]) => (f[0] = 'burn'), 'unknown_action', 'action'],
    [
      'a prototype key as action',
      (f: unknown[]) => (f[0] = 'toString'),
      'unknown_action',
      'action',
    ],
    ['a field too many', (f: unknown[]) => f.push('x'), 'malformed_intent', undefined],
    ['a field too few', (f: unknown[]) => f.pop(), 'malformed_intent', undefined],
    ['a number for a string', (f: unknown[]) => (f[2] = 42), 'malformed_intent', undefined],
    ['a hex signer', (f: unknown[]) => (f[1] = header.signer), 'invalid_address', 'signer'],
    [
      'a short recipient',
      (f: unknown[]) => (f[3] = 'fzsLFTCg0M49chpul2x-pClqD1'),
      'invalid_address',
      'to',
    ],
    [
      'a padded recipient',
      (f: unknown[]) => (f[3] = 'fzsLFTCg0M49chpul2x-pClqD10='),
      'invalid_address',
      'to',
    ],
    [
      'a standard-base64 character',
      (f: unknown[]) => (f[3] = 'fzsLFTCg0M49chpul2x+pClqD10'),
      'invalid_address',
      'to',
    ],
    // The same 20 bytes, spelled with a non-zero unused bit in the last character.
    [
      'a second spelling',
      (f: unknown[]) => (f[3] = 'fzsLFTCg0M49chpul2x-pClqD11'),
      'invalid_address',
      'to',
    ],
    ['a bad signature', (f: unknown[]) => (f[6] = 'AAAA'), 'invalid_signature', 'signature'],
    ['a bad amount', (f: unknown[]) => (f[5] = '1e3'), 'invalid_amount', 'amount'],
  ])('refuse %s with the reason a wire object gets', (_, edit, reason, field) => {
    const parsed = parseBatchItem(editedTransfer(edit), tokens, domain)
    expect(parsed).toEqual({ ok: false, reason, ...(field === undefined ? {} : { field }) })
  })

  it('refuse a bad order id with its reason', () => {
    const fields = JSON.parse(toBatchItem(signedOf(wires.cancel), 'compact')) as unknown[]
    fields[4] = bytesToBase64url(new Uint8Array(31))
    expect(parseBatchItem(fields, tokens, domain)).toMatchObject({ ok: false, field: 'orderId' })
  })

  it('read wire objects as parseIntent does, hostile ones included', () => {
    for (const json of [null, 7, 'text', {}, { ...wires.transfer, signature, extra: '1' }]) {
      expect(parseBatchItem(json, tokens, domain)).toEqual(parseIntent(json, tokens))
    }
  })
})
