import type { Address } from './address.ts'
import { buildIntentText } from './buildIntentText.ts'
import { hashPersonalMessage } from './hashPersonalMessage.ts'
import type { Intent } from './intent.ts'
import { ok, reject, type Result } from './result.ts'
import { parseRecoverableSignature } from './signature.ts'
import { defaultSignerBackend, publicKeyToAddress, type SignerBackend } from './signerBackend.ts'

/** The recovered canonical address, or `invalid_signature`. */
export type RecoverSignerReturnType = Result<Address, 'invalid_signature'>

/**
 * Recovers the address that signed `text` with `personal_sign` (EIP-191). Every encoding of one
 * signature (v 0/1 or 27/28, low or high s, with or without `0x`) gives the same address.
 * Never throws.
 */
export function recoverPersonalMessageSigner(
  text: string,
  signature: string,
  backend: SignerBackend = defaultSignerBackend,
): RecoverSignerReturnType {
  const parsed = parseRecoverableSignature(signature)
  if (!parsed.ok) return parsed
  const publicKey = backend.recoverPublicKey(hashPersonalMessage(text), parsed.value)
  if (publicKey === undefined) return reject('invalid_signature')
  return ok(publicKeyToAddress(publicKey))
}

/**
 * Recovers who signed an intent: rebuilds its canonical text with `buildIntentText` (the text a
 * client sends is never used) and recovers the `personal_sign` signer. The caller compares the
 * result with `intent.signer`; `verifyIntent` does that and more.
 *
 * @param intent - a parsed intent.
 * @param signature - 65-byte hex signature.
 * @param backend - recovery implementation; the native one when it loads.
 */
export function recoverIntentSigner(
  intent: Intent,
  signature: string,
  backend: SignerBackend = defaultSignerBackend,
): RecoverSignerReturnType {
  return recoverPersonalMessageSigner(buildIntentText(intent), signature, backend)
}
