import { keccak256, stringToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Address } from './address.ts'
import { intentId } from './intentId.ts'

const header = {
  app: 'zellular-orderbook',
  network: 'devnet',
  signer: '0xc66f8fba940064b5ba8d437d6ff829e60134230e' as Address,
  nonce: 42n,
}

describe('intentId', () => {
  it('is keccak256 of the documented text, pinned so a scheme change is deliberate', () => {
    const text = [
      'zellular-orderbook/intent-id/v1',
      'zellular-orderbook',
      'devnet',
      '0xc66f8fba940064b5ba8d437d6ff829e60134230e',
      '42',
    ].join('\n')
    expect(intentId(header)).toBe(keccak256(stringToBytes(text)))
    expect(intentId(header)).toMatchInlineSnapshot(
      `"0xf18f05c9356a0b312bfdb3b86fe01338545baa672e85ed2d4f15c39573849faf"`,
    )
  })

  it('refuses a line break that only a hand-made header could carry', () => {
    expect(() => intentId({ ...header, app: 'a\nb' })).toThrow(/Line break/)
  })

  it('changes with each of app, network, signer and nonce', () => {
    const ids = new Set([
      intentId(header),
      intentId({ ...header, app: 'other-app' }),
      intentId({ ...header, network: 'testnet' }),
      intentId({ ...header, signer: '0x7f3b0b1530a0d0ce3d721a6e976c7ea4296a0f5d' as Address }),
      intentId({ ...header, nonce: 43n }),
    ])
    expect(ids.size).toBe(5)
  })

  it('does not depend on anything else, such as the action or amounts', () => {
    const transfer = { ...header, action: 'transfer', amount: 1n }
    const cancel = { ...header, action: 'cancelAll' }
    expect(intentId(transfer)).toBe(intentId(cancel))
  })
})
