import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import {
  buildIntentText,
  parseIntent,
  parseUnsignedIntent,
  toWireIntent,
  verifyIntent,
  type IntentId,
} from '../intents/index.ts'
import { applyIntent, claimNonce, type LedgerReceipt } from './applyIntent.ts'
import { createLedger } from './genesis.ts'
import type { Ledger } from './ledger.ts'
import { stateHash } from './stateHash.ts'
import { t0 } from './testing.ts'

/*
 * The two modules together, the way a replica's apply loop uses them on a finalized batch:
 * parse, verify, dedupe and apply each intent in order, then take the changes for storage.
 */

const faucet = privateKeyToAccount(`0x${'01'.repeat(32)}`)
const alice = privateKeyToAccount(`0x${'02'.repeat(32)}`)
const bob = privateKeyToAccount(`0x${'03'.repeat(32)}`)
const domain = { app: 'zellular-orderbook', network: 'devnet' }
const genesis = {
  issuer: faucet.address,
  tokens: [
    { symbol: 'ETH', decimals: 18 },
    { symbol: 'USDT', decimals: 6 },
  ],
  balances: [{ address: alice.address, token: 'USDT', amount: '100' }],
}

type Receipt = LedgerReceipt | { intentId: IntentId | null; status: 'rejected'; reason: string }

/** The per-intent step of an apply loop; a rejection is a receipt, never an exception. */
function applyWireIntent(ledger: Ledger, json: unknown): Receipt {
  const parsed = parseIntent(json, ledger.tokens)
  if (!parsed.ok) return { intentId: null, status: 'rejected', reason: parsed.reason }
  const verified = verifyIntent(parsed.value, domain)
  if (!verified.ok) return { intentId: null, status: 'rejected', reason: verified.reason }
  const intent = verified.value
  if (intent.action === 'transfer' || intent.action === 'mint')
    return applyIntent(ledger, intent, t0)
  // Orders and cancels: claim the nonce here, then hand the intent to the matching engine.
  return claimNonce(ledger, intent, t0) ?? { intentId: intent.id, status: 'applied' }
}

async function sign(account: typeof alice, fields: Record<string, unknown>) {
  const wire = { ...fields, ...domain, signer: account.address, version: 1 }
  const unsigned = parseUnsignedIntent(wire, createLedger(genesis).tokens)
  if (!unsigned.ok) throw new Error(unsigned.reason)
  const signature = await account.signMessage({ message: buildIntentText(unsigned.value) })
  return JSON.parse(JSON.stringify(toWireIntent({ intent: unsigned.value, signature })))
}

describe('a replica apply loop over one batch', async () => {
  const pay = await sign(alice, {
    action: 'transfer',
    nonce: '1',
    to: bob.address,
    token: 'USDT',
    amount: '30',
  })
  const mint = await sign(faucet, {
    action: 'mint',
    nonce: '1',
    to: bob.address,
    token: 'USDT',
    amount: '5',
  })
  const order = await sign(bob, {
    action: 'order',
    nonce: '1',
    market: 'ETH/USDT',
    side: 'buy',
    type: 'limit',
    price: '1',
    quantity: '1',
    timeInForce: 'GTC',
  })
  const cancelAll = await sign(bob, { action: 'cancelAll', nonce: '1', market: 'ETH/USDT' })
  const batch: unknown[] = [
    pay,
    pay, // replayed by anyone who saw the batch
    { ...pay, amount: '60' }, // tampered: recovers someone else
    { ...mint, signer: alice.address }, // claims another signer
    mint,
    { ...order, market: 'USDT/USDT' },
    order,
    cancelAll, // same signer and nonce as the order: one (signer, nonce), one intent
    'garbage',
    { ...pay, network: 'mainnet' },
  ]

  it('applies, rejects and dedupes each intent in order, and never throws', () => {
    const ledger = createLedger(genesis)
    const reasons = batch.map((json) => {
      const receipt = applyWireIntent(ledger, json)
      return receipt.status === 'applied' ? 'applied' : receipt.reason
    })
    expect(reasons).toEqual([
      'applied',
      'nonce_already_used',
      'signer_mismatch',
      'signer_mismatch',
      'applied',
      'market_tokens_equal',
      'applied',
      'nonce_already_used',
      'malformed_intent',
      'wrong_network',
    ])
    expect(ledger.available(alice.address.toLowerCase(), 'USDT')).toBe(70_000_000n)
    expect(ledger.available(bob.address.toLowerCase(), 'USDT')).toBe(35_000_000n)
    expect(ledger.takeChanges().nonces).toHaveLength(3) // alice 1, faucet 1, bob 1
  })

  it('gives every replica the same state hash for the same batch', () => {
    const hashes = [createLedger(genesis), createLedger(genesis)].map((ledger) => {
      for (const json of batch) applyWireIntent(ledger, json)
      return stateHash(ledger)
    })
    expect(hashes[0]).toBe(hashes[1])
  })
})
