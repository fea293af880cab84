/*
 * A signer's nonce window as both databases store it, one row per signer: the signer's bytes
 * and its nonces ascending as space-separated decimal text (the form of its state-hash leaf).
 */

/** The stored text of a window's nonces. */
export function nonceWindowText(nonces: readonly bigint[]): string {
  return nonces.join(' ')
}
