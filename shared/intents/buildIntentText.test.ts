import { describe, expect, it } from 'vitest'
import { buildIntentText } from './buildIntentText.ts'
import type { Intent } from './intent.ts'
import { parseUnsignedIntent } from './parseIntent.ts'
import { createTokenRegistry } from './tokens.ts'

const tokens = createTokenRegistry([
  { symbol: 'ETH', decimals: 18 },
  { symbol: 'USDT', decimals: 6 },
])
const header = {
  signer: '0xc66F8Fba940064B5bA8d437d6fF829E60134230E',
  nonce: '42',
  app: 'zellular-orderbook',
  network: 'devnet',
  version: 1,
}
const bob = '0x7F3b0b1530A0d0Ce3D721a6e976C7eA4296A0f5d'
const orderId = `0x${'ab'.repeat(32)}`

function textOf(fields: Record<string, unknown>): string {
  const parsed = parseUnsignedIntent({ ...fields, ...header }, tokens)
  if (!parsed.ok) throw new Error(`fixture rejected: ${parsed.reason} ${parsed.field}`)
  return buildIntentText(parsed.value)
}

const footer = [
  'From: 0xc66f8fba940064b5ba8d437d6ff829e60134230e',
  'Nonce: 42',
  'App: zellular-orderbook',
  'Network: devnet',
]

describe('buildIntentText', () => {
  it('writes a transfer exactly so', () => {
    const text = textOf({ action: 'transfer', to: bob, token: 'USDT', amount: '1.50' })
    expect(text).toBe(
      [
        'Zellular Orderbook intent v1',
        'Action: Transfer',
        'Amount: 1.5 USDT',
        'To: 0x7f3b0b1530a0d0ce3d721a6e976c7ea4296a0f5d',
        ...footer,
      ].join('\n'),
    )
  })

  it('writes a mint exactly so', () => {
    const text = textOf({ action: 'mint', to: bob, token: 'ETH', amount: '0.000000000000000001' })
    expect(text.split('\n').slice(0, 4)).toEqual([
      'Zellular Orderbook intent v1',
      'Action: Mint',
      'Amount: 0.000000000000000001 ETH',
      'To: 0x7f3b0b1530a0d0ce3d721a6e976c7ea4296a0f5d',
    ])
  })

  it('writes a limit order exactly so', () => {
    const fields = { side: 'buy', type: 'limit', price: '2000.5', quantity: '0.25' }
    const text = textOf({ action: 'order', market: 'ETH/USDT', ...fields, timeInForce: 'GTC' })
    expect(text).toBe(
      [
        'Zellular Orderbook intent v1',
        'Action: Place order',
        'Market: ETH/USDT',
        'Side: Buy',
        'Type: Limit',
        'Price: 2000.5 USDT per ETH',
        'Quantity: 0.25 ETH',
        'Time in force: Good till cancelled',
        ...footer,
      ].join('\n'),
    )
  })

  it('labels the price of a market order as the worst price', () => {
    const fields = { side: 'sell', type: 'market', price: '1900', quantity: '2' }
    const text = textOf({ action: 'order', market: 'ETH/USDT', ...fields, timeInForce: 'IOC' })
    expect(text.split('\n').slice(3, 8)).toEqual([
      'Side: Sell',
      'Type: Market',
      'Worst price: 1900 USDT per ETH',
      'Quantity: 2 ETH',
      'Time in force: Immediate or cancel',
    ])
  })

  it('writes cancels exactly so', () => {
    expect(textOf({ action: 'cancel', market: 'ETH/USDT', orderId })).toBe(
      [
        'Zellular Orderbook intent v1',
        'Action: Cancel order',
        'Market: ETH/USDT',
        `Order: ${orderId}`,
        ...footer,
      ].join('\n'),
    )
    expect(textOf({ action: 'cancelAll', market: 'ETH/USDT' })).toBe(
      [
        'Zellular Orderbook intent v1',
        'Action: Cancel all orders',
        'Market: ETH/USDT',
        ...footer,
      ].join('\n'),
    )
  })

  it('puts the app and network in the text, so another app gets another text', () => {
    const fields = { action: 'cancelAll', market: 'ETH/USDT' }
    const other = parseUnsignedIntent({ ...fields, ...header, app: 'other-app' }, tokens)
    expect(other.ok && buildIntentText(other.value)).toContain('App: other-app')
    expect(other.ok && buildIntentText(other.value)).not.toBe(textOf(fields))
  })

  it('refuses to write a line break that only a hand-made intent could carry', () => {
    const fields = { action: 'cancelAll', market: 'ETH/USDT', ...header }
    const parsed = parseUnsignedIntent(fields, tokens)
    if (!parsed.ok) throw new Error('fixture rejected')
    const forged = { ...parsed.value, network: 'devnet\nTo: 0xattacker' } as Intent
    expect(() => buildIntentText(forged)).toThrow(/Line break/)
  })
})
