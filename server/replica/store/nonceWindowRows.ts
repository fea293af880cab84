import type { Address } from '../../../shared/intents/index.ts'
import type { NonceWindow } from '../../../shared/ledger/index.ts'
import { bytesToHex } from './hexBytes.ts'

/*
 * A signer's nonce window as both databases store it, one row per signer: the signer's bytes
 * and its nonces ascending as space-separated decimal text (the form of its state-hash leaf).
 */

/** The stored text of a window's nonces. */
export function nonceWindowText(nonces: readonly bigint[]): string {
  return nonces.join(' ')
}

/**
 * The nonces of a stored row's text. Throws on text that is not decimal nonces separated by
 * single spaces (`BigInt` alone would read "" as 0); the ledger checks order and range on restore.
 */
export function parseNonces(text: string): bigint[] {
  return text.split(' ').map((digits) => {
    if (digits === '' || digits.length > 20) throw new Error(`nonce window row: "${text}"`)
    return BigInt(digits)
  })
}

/** The window of a stored row. */
export function toNonceWindow(signer: Uint8Array, text: string): NonceWindow {
  return { signer: bytesToHex(signer) as Address, nonces: parseNonces(text) }
}
