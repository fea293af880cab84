import { stringToBytes, type Hex } from 'viem'
import { keccak256Hex } from '../intents/index.ts'
import type { Ledger } from './ledger.ts'
import { snapshotLedger } from './snapshot.ts'

/** First line of the hashed serialization; a new format gets a new tag. */
export const stateHashDomain = 'zellular-orderbook/ledger-state/v2'

/**
 * A keccak256 digest of the whole ledger state, for replicas to compare (equal states, equal
 * hashes, whatever the history). It hashes one line per item of the canonical snapshot, with
 * space-separated fields that cannot themselves contain spaces or line breaks:
 *
 * ```
 * zellular-orderbook/ledger-state/v2
 * issuer <address>
 * token <symbol> <decimals>           (by symbol)
 * balance <address> <token> <available> <locked>   (non-zero only, by address then token)
 * nonce <signer> <nonce>              (kept in the signer's window; by signer, then nonce)
 * ```
 *
 * v2 hashes each signer's nonce window (the 100 highest used nonces), where v1 hashed every
 * nonce ever used. Cost is linear in the state size (accounts and windows, not history); call
 * it per batch only where that is affordable. The hash runs in WebAssembly once `initKeccak`
 * has resolved.
 */
export function stateHash(ledger: Ledger): Hex {
  const { tokens, issuer, balances, nonceWindows } = snapshotLedger(ledger)
  const lines = [stateHashDomain, `issuer ${issuer}`]
  for (const token of tokens) lines.push(`token ${token.symbol} ${token.decimals}`)
  for (const { address, token, available, locked } of balances) {
    lines.push(`balance ${address} ${token} ${available} ${locked}`)
  }
  for (const { signer, nonces } of nonceWindows) {
    for (const nonce of nonces) lines.push(`nonce ${signer} ${nonce}`)
  }
  return keccak256Hex(stringToBytes(lines.join('\n')))
}
