import {
  buildIntentText,
  intentId,
  intentVersion,
  nextNonce,
  parseUnsignedIntent,
  toWireIntent,
  type Intent,
  type IntentFields,
  type IntentId,
  type IntentSignature,
  type WireIntent,
} from '../../../shared/intents/index.ts'
import type { AppRegistry } from './registry.ts'

let lastNonce: bigint | undefined

/**
 * A fresh nonce: the current time in milliseconds, strictly above every nonce this page drew
 * before (`max(Date.now(), last + 1)`). The replicas accept a nonce only within (T − 2 days,
 * T + 1 day) of the time T of the batch that applies it, and keep each signer's 100 highest:
 * see `shared/ledger/nonceWindow.ts`.
 */
export function freshNonce(): bigint {
  lastNonce = nextNonce(Date.now(), lastNonce)
  return lastNonce
}

/** Action-specific wire fields of a draft; the header is added by `buildDraft`. */
export type DraftFields = IntentFields extends infer fields
  ? fields extends IntentFields
    ? Omit<fields, 'signer' | 'nonce' | 'app' | 'network' | 'version'>
    : never
  : never

/** A parsed intent ready to sign: the exact text the wallet will show, and its id. */
export interface IntentDraft {
  readonly intent: Intent
  readonly text: string
  readonly id: IntentId
}

export type BuildDraftReturnType =
  | { readonly ok: true; readonly draft: IntentDraft }
  | { readonly ok: false; readonly reason: string; readonly field?: string | undefined }

/**
 * Builds an intent from form fields with the same parser the replicas use, and the text the
 * wallet will be asked to sign (`buildIntentText`), so the preview is exactly what is signed.
 */
export function buildDraft(
  registry: AppRegistry,
  signer: string,
  nonce: bigint,
  fields: DraftFields,
): BuildDraftReturnType {
  const wire = {
    ...fields,
    signer: signer.toLowerCase(),
    nonce: nonce.toString(),
    app: registry.app,
    network: registry.network,
    version: intentVersion,
  }
  const parsed = parseUnsignedIntent(wire, registry.tokenRegistry)
  if (!parsed.ok) return { ok: false, reason: parsed.reason, field: parsed.field }
  const intent = parsed.value
  return { ok: true, draft: { intent, text: buildIntentText(intent), id: intentId(intent) } }
}

/** The wire form of a signed draft: the body of the submit routes. */
export function toSignedWire(draft: IntentDraft, signature: string): WireIntent {
  return toWireIntent({ intent: draft.intent, signature: signature as IntentSignature })
}
