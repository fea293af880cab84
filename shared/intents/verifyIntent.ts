import type { SignedIntent, VerifiedIntent } from './intent.ts'
import { intentId } from './intentId.ts'
import { recoverIntentSigner } from './recoverIntentSigner.ts'
import { ok, reject, type Result } from './result.ts'
import type { SignerBackend } from './signerBackend.ts'

/** The app and network this service runs as; intents signed for any other are refused. */
export interface IntentDomain {
  readonly app: string
  readonly network: string
}

/** Why a well-formed intent is not accepted as signed by its signer for this service. */
export type VerifyIntentRejectReason =
  'wrong_app' | 'wrong_network' | 'invalid_signature' | 'signer_mismatch'

/** The verified intent with its id, or why verification failed. */
export type VerifyIntentReturnType = Result<VerifiedIntent, VerifyIntentRejectReason>

/**
 * Checks that a parsed intent is meant for this service (app and network) and that its
 * signature recovers to its `signer`, and attaches its id. This is the only way to obtain a
 * `VerifiedIntent`, which the ledger and the orderbook require. A failed verification must not
 * consume the nonce: anyone can forge an intent that fails, in anyone's name.
 */
export function verifyIntent(
  signed: SignedIntent,
  domain: IntentDomain,
  backend?: SignerBackend,
): VerifyIntentReturnType {
  const { intent, signature } = signed
  if (intent.app !== domain.app) return reject('wrong_app', 'app')
  if (intent.network !== domain.network) return reject('wrong_network', 'network')
  const signer = recoverIntentSigner(intent, signature, backend)
  if (!signer.ok) return reject(signer.reason, 'signature')
  if (signer.value !== intent.signer) return reject('signer_mismatch', 'signature')
  return ok({ ...intent, id: intentId(intent) } as VerifiedIntent)
}
