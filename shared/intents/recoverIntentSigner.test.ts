import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { buildIntentText } from './buildIntentText.ts'
import type { Intent } from './intent.ts'
import { intentId } from './intentId.ts'
import { parseUnsignedIntent } from './parseIntent.ts'
import { recoverIntentSigner } from './recoverIntentSigner.ts'
import { toHighS, toZeroOneV } from './testing.ts'
import { createTokenRegistry } from './tokens.ts'

// Public example key from the Zellular examples; never use it for real funds.
const alice = privateKeyToAccount(
  '0x4b7f4de058ab4d3629f438c1728ac77bea7f4ab0099218be77242f8ba099cca7',
)
const tokens = createTokenRegistry([{ symbol: 'USDT', decimals: 6 }])
const fields = {
  action: 'transfer',
  signer: alice.address,
  nonce: '7',
  app: 'zellular-orderbook',
  network: 'devnet',
  version: 1,
  to: '0x7F3b0b1530A0d0Ce3D721a6e976C7eA4296A0f5d',
  token: 'USDT',
  amount: '10',
}

function intentOf(overrides: Record<string, unknown> = {}): Intent {
  const parsed = parseUnsignedIntent({ ...fields, ...overrides }, tokens)
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.value
}

describe('recoverIntentSigner', async () => {
  const intent = intentOf()
  const signature = await alice.signMessage({ message: buildIntentText(intent) })
  const signer = alice.address.toLowerCase()

  it('recovers the wallet that signed the canonical text', () => {
    expect(recoverIntentSigner(intent, signature)).toEqual({ ok: true, value: signer })
  })

  it('recovers the same signer from the high-s twin and from v = 0/1', () => {
    const variants = [toHighS(signature), toZeroOneV(signature), toZeroOneV(toHighS(signature))]
    for (const variant of variants) {
      expect(variant).not.toBe(signature)
      expect(recoverIntentSigner(intent, variant)).toEqual({ ok: true, value: signer })
    }
  })

  it('gives the same intent id whatever the signature encoding, since the id ignores it', () => {
    expect(intentId(intent)).toBe(intentId(intentOf()))
  })

  it.each([
    ['amount', { amount: '100' }],
    ['recipient', { to: '0x2B3e5649A2Bfc3667b1db1A0ae7E1f9368d676A9' }],
    ['nonce', { nonce: '8' }],
    ['app', { app: 'other-app' }],
    ['network', { network: 'mainnet' }],
    ['action', { action: 'mint' }],
  ])('recovers some other address when the %s is tampered with', (_, overrides) => {
    const recovered = recoverIntentSigner(intentOf(overrides), signature)
    expect(recovered.ok).toBe(true)
    expect(recovered.ok && recovered.value).not.toBe(signer)
  })

  it('rejects a signature that is not one', () => {
    const rejected = { ok: false, reason: 'invalid_signature' }
    expect(recoverIntentSigner(intent, '0x1234')).toEqual(rejected)
  })
})
