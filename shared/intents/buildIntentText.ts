import { formatAmount, type Amount } from './amount.ts'
import type { Intent, IntentHeader, OrderIntent } from './intent.ts'

/** First line of every v1 intent text; it names the product and the format version. */
export const intentTextTitle = 'Zellular Orderbook intent v1'

const actionLabels: Record<Intent['action'], string> = {
  transfer: 'Transfer',
  mint: 'Mint',
  order: 'Place order',
  cancel: 'Cancel order',
  cancelAll: 'Cancel all orders',
}

const sideLabels: Record<OrderIntent['side'], string> = { buy: 'Buy', sell: 'Sell' }
const typeLabels: Record<OrderIntent['type'], string> = { limit: 'Limit', market: 'Market' }
const timeInForceLabels: Record<OrderIntent['timeInForce'], string> = {
  GTC: 'Good till cancelled',
  IOC: 'Immediate or cancel',
  POST_ONLY: 'Post only',
}

/**
 * Builds the exact text the user signs with `personal_sign` (EIP-191). It is readable in a
 * wallet, one `Key: value` per line, and canonical: it is a function of the parsed intent only,
 * so the server rebuilds it from the fields and never trusts a text sent by the client. The
 * lines for each action are fixed and every value is validated to contain no line break, so two
 * different intents can never produce the same text.
 *
 * @example
 * buildIntentText(transfer) // 'Zellular Orderbook intent v1\nAction: Transfer\nAmount: 1.5 USDT…'
 */
export function buildIntentText(intent: Intent): string {
  const lines = [intentTextTitle, line('Action', actionLabels[intent.action])]
  switch (intent.action) {
    case 'transfer':
    case 'mint':
      lines.push(line('Amount', amountText(intent.amount, intent.token)))
      lines.push(line('To', intent.to))
      break
    case 'order':
      lines.push(...orderLines(intent))
      break
    case 'cancel':
      lines.push(line('Market', intent.market.symbol), line('Order', intent.orderId))
      break
    case 'cancelAll':
      lines.push(line('Market', intent.market.symbol))
      break
  }
  lines.push(...headerLines(intent))
  return lines.join('\n')
}

function orderLines(intent: OrderIntent): string[] {
  const { base, quote } = intent.market
  // For a market order the signed price is a bound, and the label says so.
  const priceLabel = intent.type === 'market' ? 'Worst price' : 'Price'
  return [
    line('Market', intent.market.symbol),
    line('Side', sideLabels[intent.side]),
    line('Type', typeLabels[intent.type]),
    line(priceLabel, `${amountText(intent.price, quote)} per ${base}`),
    line('Quantity', amountText(intent.quantity, base)),
    line('Time in force', timeInForceLabels[intent.timeInForce]),
  ]
}

function headerLines(header: IntentHeader): string[] {
  return [
    line('From', header.signer),
    line('Nonce', header.nonce.toString()),
    line('App', header.app),
    line('Network', header.network),
  ]
}

function amountText(amount: Amount, symbol: string): string {
  return `${formatAmount(amount.units, amount.decimals)} ${symbol}`
}

function line(key: string, value: string): string {
  // Parsed intents cannot contain line breaks; reaching this means a hand-made Intent.
  if (/[\r\n\u2028\u2029]/.test(value)) throw new Error(`Line break in intent field ${key}`)
  return `${key}: ${value}`
}
