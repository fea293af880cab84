import {
  intentId,
  type Address,
  parseUnsignedIntent,
  type TokenRegistry,
  type VerifiedIntent,
} from '../intents/index.ts'
import type { LedgerIntent } from './applyIntent.ts'
import { createLedger, type LedgerGenesis } from './genesis.ts'
import type { Ledger } from './ledger.ts'

/*
 * Helpers for this module's tests only; not exported from the module façade.
 */

/**
 * The batch time these tests apply intents at: genesis time 0, whose nonce window
 * (−2 days, +1 day) holds the small nonces they use.
 */
export const t0 = 0

export const issuer = '0x1111111111111111111111111111111111111111' as Address
export const alice = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' as Address
export const bob = '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' as Address
export const carol = '0xcccccccccccccccccccccccccccccccccccccccc' as Address

export const genesis: LedgerGenesis = {
  issuer,
  tokens: [
    { symbol: 'ETH', decimals: 18 },
    { symbol: 'USDT', decimals: 6 },
  ],
  balances: [
    { address: alice, token: 'USDT', amount: '1000' },
    { address: bob, token: 'ETH', amount: '5' },
  ],
}

export function setUpLedger(): Ledger {
  return createLedger(genesis)
}

/**
 * A transfer or mint as `verifyIntent` would return it. Signing every intent would make the
 * property tests slow; the ledger trusts verification, which the intents tests cover.
 */
export function verified(
  tokens: TokenRegistry,
  fields: {
    action: 'transfer' | 'mint'
    signer: string
    nonce: bigint | number
    to: string
    token: string
    amount: string
  },
): LedgerIntent {
  const header = { app: 'zellular-orderbook', network: 'devnet', version: 1 }
  const wire = { ...fields, ...header, nonce: fields.nonce.toString() }
  const parsed = parseUnsignedIntent(wire, tokens)
  if (!parsed.ok) throw new Error(`test intent rejected: ${parsed.reason} ${parsed.field}`)
  const intent = parsed.value
  return { ...intent, id: intentId(intent) } as VerifiedIntent as LedgerIntent
}
