import { describe, expect, it } from 'vitest'
import { createTokenRegistry, parseIntent, toBatchItem } from '../intents/index.ts'
import { devnetTokens } from './markets.ts'
import { prepareBatch } from './prepareBatch.ts'
import { signIntent, signLimitOrder, testAccount, testDomain } from './testing.ts'

const tokens = createTokenRegistry([...devnetTokens])
const alice = testAccount(2)
const bob = testAccount(3)
const wires = [
  signIntent(alice, tokens, {
    action: 'transfer',
    nonce: '1',
    to: bob.address,
    token: 'USDT',
    amount: '12.5',
  }),
  signLimitOrder(bob, tokens, { nonce: 1, side: 'buy', price: 2000, quantity: '0.25' }),
  signIntent(alice, tokens, { action: 'cancelAll', nonce: '2', market: 'ETH/USDT' }),
]

/** A batch body of `wires`, each written in `encoding`. */
function bodyOf(encoding: 'compact' | 'json', list = wires): string {
  return `[${list
    .map((wire) => {
      const parsed = parseIntent(wire, tokens)
      if (!parsed.ok) throw new Error(parsed.reason)
      return toBatchItem(parsed.value, encoding)
    })
    .join(',')}]`
}

describe('prepareBatch', () => {
  it('verifies a compact batch to the same intents as the wire JSON batch', () => {
    const compact = prepareBatch(bodyOf('compact'), { tokens, domain: testDomain })
    expect(compact).toEqual(prepareBatch(bodyOf('json'), { tokens, domain: testDomain }))
    expect(compact?.map((item) => item.ok)).toEqual([true, true, true])
  })

  it('reads a batch that mixes both forms', () => {
    const compact = bodyOf('compact', wires.slice(0, 1)).slice(1, -1)
    const mixed = `[${compact},${JSON.stringify(wires[1])}]`
    expect(prepareBatch(mixed, { tokens, domain: testDomain })?.map((item) => item.ok)).toEqual([
      true,
      true,
    ])
  })

  it("refuses a compact intent signed for another service: the reader's domain is signed", () => {
    const elsewhere = { app: 'zellular-orderbook', network: 'testnet' }
    const foreign = signIntent(
      alice,
      tokens,
      { action: 'cancelAll', nonce: '3', market: 'ETH/USDT' },
      elsewhere,
    )
    const body = bodyOf('compact', [foreign])
    expect(prepareBatch(body, { tokens, domain: elsewhere })?.[0]?.ok).toBe(true)
    expect(prepareBatch(body, { tokens, domain: testDomain })).toEqual([
      { ok: false, reason: 'signer_mismatch' },
    ])
  })
})
