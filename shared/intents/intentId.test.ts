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
  it('is a fixed keccak256 of (domain, app, network, signer, nonce)', () => {
    // Pinned so that a change to the id scheme, which would break dedupe across versions, shows.
    expect(intentId(header)).toMatchInlineSnapshot(
      `"0x0a7b6e6bb04d279334752468deac963c60cbe2c701431045d979123d30771363"`,
    )
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
