/**
 * A signer's next nonce under the replicas' replay rule (`shared/ledger/nonceWindow.ts`): the
 * current time in milliseconds, or one above the signer's previous nonce when the clock has not
 * passed it (several intents in one millisecond, a clock set back), so a signer's nonces
 * strictly increase. A nonce must lie within (T − 2 days, T + 1 day) of the time T of the batch
 * that applies it, and the replicas keep each signer's 100 highest: increasing time nonces
 * satisfy both. Pure: the caller passes its clock.
 *
 * @example
 * let last: bigint | undefined
 * const nonce = (last = nextNonce(Date.now(), last))
 */
export function nextNonce(nowMs: number, last: bigint | undefined): bigint {
  const now = BigInt(Math.floor(nowMs))
  return last === undefined || now > last ? now : last + 1n
}
