import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { buildIntentText } from './buildIntentText.ts'
import { intentId } from './intentId.ts'
import { parseIntent } from './parseIntent.ts'
import { toHighS } from './testing.ts'
import { createTokenRegistry } from './tokens.ts'
import { verifyIntent } from './verifyIntent.ts'
import type { SignedIntent } from './intent.ts'
import { nobleSignerBackend } from './nobleSignerBackend.ts'

const alice = privateKeyToAccount(
  '0x4b7f4de058ab4d3629f438c1728ac77bea7f4ab0099218be77242f8ba099cca7',
)
const mallory = privateKeyToAccount(
  '0x28a3947aa36917ca22f56765c67bedc2fdbbd2daf73f8a2cdb1c0dd252cefc3c',
)
const tokens = createTokenRegistry([
  { symbol: 'ETH', decimals: 18 },
  { symbol: 'USDT', decimals: 6 },
])
const domain = { app: 'zellular-orderbook', network: 'devnet' }
const fields = {
  action: 'order',
  signer: alice.address,
  nonce: '1',
  ...domain,
  version: 1,
  market: 'ETH/USDT',
  side: 'sell',
  type: 'limit',
  price: '2500',
  quantity: '1',
  timeInForce: 'GTC',
}

async function signedBy(
  account: typeof alice,
  overrides: Record<string, unknown> = {},
): Promise<SignedIntent> {
  const placeholder = `0x${'1'.repeat(130)}`
  const unsigned = parseIntent({ ...fields, ...overrides, signature: placeholder }, tokens)
  if (!unsigned.ok) throw new Error(unsigned.reason)
  const signature = await account.signMessage({ message: buildIntentText(unsigned.value.intent) })
  return { intent: unsigned.value.intent, signature }
}

describe('verifyIntent', () => {
  it('accepts an intent signed by its signer and attaches its id', async () => {
    const signed = await signedBy(alice)
    const verified = verifyIntent(signed, domain)
    expect(verified).toEqual({ ok: true, value: { ...signed.intent, id: intentId(signed.intent) } })
    expect(verifyIntent(signed, domain, nobleSignerBackend)).toEqual(verified)
  })

  it('gives the high-s twin the same verified intent and id', async () => {
    const signed = await signedBy(alice)
    const twin = { ...signed, signature: toHighS(signed.signature) }
    expect(verifyIntent(twin, domain)).toEqual(verifyIntent(signed, domain))
  })

  it('refuses an intent signed by someone else in the signer name', async () => {
    const forged = await signedBy(mallory)
    expect(verifyIntent(forged, domain)).toEqual({
      ok: false,
      reason: 'signer_mismatch',
      field: 'signature',
    })
  })

  it('refuses intents for another app or network before touching the signature', async () => {
    const otherApp = await signedBy(alice, { app: 'other-app' })
    expect(verifyIntent(otherApp, domain)).toMatchObject({ ok: false, reason: 'wrong_app' })
    const otherNetwork = await signedBy(alice, { network: 'mainnet' })
    expect(verifyIntent(otherNetwork, domain)).toMatchObject({ ok: false, reason: 'wrong_network' })
  })

  it('refuses a signature that recovers nothing', async () => {
    const signed = await signedBy(alice)
    const broken = { ...signed, signature: `0x${'0'.repeat(63)}5${'0'.repeat(63)}11b` as const }
    expect(verifyIntent(broken, domain)).toMatchObject({ ok: false, reason: 'invalid_signature' })
  })
})
