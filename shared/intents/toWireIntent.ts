import { formatAmount } from './amount.ts'
import { intentVersion, type Intent, type SignedIntent } from './intent.ts'
import type { IntentFields, WireIntent } from './schemas.ts'

/**
 * The wire fields of an intent: what a client sends and what goes into a Zellular batch.
 * Amounts become canonical decimal strings in token units, the nonce a decimal string, so
 * `parseUnsignedIntent(toIntentFields(intent))` gives back an equal intent.
 */
export function toIntentFields(intent: Intent): IntentFields {
  const header = {
    signer: intent.signer,
    nonce: intent.nonce.toString(),
    app: intent.app,
    network: intent.network,
    version: intentVersion,
  } as const
  switch (intent.action) {
    case 'transfer':
    case 'mint': {
      const { action, to, token } = intent
      const amount = formatAmount(intent.amount.units, intent.amount.decimals)
      const fields = { ...header, to, token, amount }
      return action === 'transfer' ? { action, ...fields } : { action, ...fields }
    }
    case 'order':
      return {
        action: 'order',
        ...header,
        market: intent.market.symbol,
        side: intent.side,
        type: intent.type,
        price: formatAmount(intent.price.units, intent.price.decimals),
        quantity: formatAmount(intent.quantity.units, intent.quantity.decimals),
        timeInForce: intent.timeInForce,
      }
    case 'cancel':
      return { action: 'cancel', ...header, market: intent.market.symbol, orderId: intent.orderId }
    case 'cancelAll':
      return { action: 'cancelAll', ...header, market: intent.market.symbol }
  }
}

/** The wire form of a signed intent, JSON-ready: its fields plus the signature. */
export function toWireIntent(signed: SignedIntent): WireIntent {
  return { ...toIntentFields(signed.intent), signature: signed.signature }
}
