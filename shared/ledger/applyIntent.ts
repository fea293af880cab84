import type { IntentId, MintIntent, TransferIntent, VerifiedIntent } from '../intents/index.ts'
import type { Ledger } from './ledger.ts'

/**
 * Why the ledger refused a verified intent, as stable codes (stored in receipts; never renamed).
 * Listed in the order they are checked; only the first applies. The nonce rules are those of
 * `nonceWindow.ts`, against the batch's deterministic time.
 *
 * 1. `nonce_already_used`: (signer, nonce) is kept in the signer's window. Nothing changes.
 * 2. `nonce_too_low`: the window is full and the nonce is below all of it; it may have been used
 *    and evicted. Nothing changes.
 *
 * Every later reason consumes the nonce. Once a validly signed intent is sequenced it is spent,
 * applied or not, so it cannot be replayed later when it would succeed (say, once the balance is
 * there); the user signs a new intent with a new nonce instead. (The exchange makes one
 * exception: a signer with no account leaves no trace, nonce included; see `Exchange`.)
 *
 * 3. `expired`: the nonce is outside (T − 2 days, T + 1 day) of the batch time T.
 * 4. `unknown_token`: not in the ledger's registry, or with other decimals (a config mismatch).
 * 5. `not_issuer`: a mint not signed by the genesis issuer.
 * 6. `self_transfer`: a transfer to the signer itself, which would change nothing.
 * 7. `insufficient_available`: a transfer above the signer's available balance.
 * 8. `supply_cap_exceeded`: a mint that would take the supply beyond uint128.
 */
export type LedgerRejectReason =
  | 'nonce_already_used'
  | 'nonce_too_low'
  | 'expired'
  | 'unknown_token'
  | 'not_issuer'
  | 'self_transfer'
  | 'insufficient_available'
  | 'supply_cap_exceeded'

/** The outcome of one intent, keyed by its id. */
export type LedgerReceipt =
  | { readonly intentId: IntentId; readonly status: 'applied' }
  | {
      readonly intentId: IntentId
      readonly status: 'rejected'
      readonly reason: LedgerRejectReason
    }

/** The intents the ledger applies itself; orders and cancels go to the orderbook. */
export type LedgerIntent = VerifiedIntent<TransferIntent | MintIntent>

/**
 * Applies one verified transfer or mint to the ledger, in sequence order, in a batch of
 * deterministic time `timeMs`, and returns its receipt. Rejections are receipts, never
 * exceptions: a hostile intent cannot stop the apply loop. Deterministic: the same ledger
 * state, intent and time always give the same result.
 *
 * @example
 * if (intent.action === 'transfer' || intent.action === 'mint') {
 *   receipts.push(applyIntent(ledger, intent, batchTime))
 * }
 */
export function applyIntent(ledger: Ledger, intent: LedgerIntent, timeMs: number): LedgerReceipt {
  const refused = claimNonce(ledger, intent, timeMs)
  if (refused !== undefined) return refused
  const { id: intentId, signer, to, token, amount } = intent
  const rejected = (reason: LedgerRejectReason): LedgerReceipt => ({
    intentId,
    status: 'rejected',
    reason,
  })
  if (ledger.tokens.get(token)?.decimals !== amount.decimals) return rejected('unknown_token')
  if (intent.action === 'mint') {
    if (signer !== ledger.issuer) return rejected('not_issuer')
    if (!ledger.mint(to, token, amount.units)) return rejected('supply_cap_exceeded')
  } else {
    if (to === signer) return rejected('self_transfer')
    if (!ledger.transfer(signer, to, token, amount.units)) return rejected('insufficient_available')
  }
  return { intentId, status: 'applied' }
}

/**
 * Consumes the nonce of any verified intent in a batch of time `timeMs`: the replay check shared
 * by the ledger and the orderbook, since all intents of a signer draw from one nonce space.
 * Returns the rejected receipt when the nonce may not be used (`nonce_already_used`,
 * `nonce_too_low`: nothing changed; `expired`: the nonce is spent), or undefined when the
 * intent may proceed.
 *
 * @example
 * const refused = claimNonce(ledger, order, batchTime)
 * const outcome = refused ?? engine.place(...)
 */
export function claimNonce(
  ledger: Ledger,
  intent: VerifiedIntent,
  timeMs: number,
): (LedgerReceipt & { status: 'rejected' }) | undefined {
  const verdict = ledger.useNonce(intent.signer, intent.nonce, timeMs)
  if (verdict === 'fresh') return undefined
  return { intentId: intent.id, status: 'rejected', reason: verdict }
}

/** The ledger's refusals that leave a nonce unspent: replays, which get no receipt. */
export type ReplayReason = 'nonce_already_used' | 'nonce_too_low'

/** Whether a rejection left the nonce unspent: a replay, so no receipt may be written for it. */
export function isReplay(reason: string | undefined): reason is ReplayReason {
  return reason === 'nonce_already_used' || reason === 'nonce_too_low'
}
