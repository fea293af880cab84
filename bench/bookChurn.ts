import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { ReplicaRegistry } from '../shared/api/index.ts'
import {
  buildIntentText,
  createTokenRegistry,
  nextNonce,
  parseUnsignedIntent,
  toWireIntent,
} from '../shared/intents/index.ts'

/**
 * Moves one market's book about `rateHz` times a second for `bench:browser`'s repaint scenario,
 * beside the demo market maker (whose rounds wait on each other and move the book far less
 * often): a fresh faucet-funded account rests small post-only bids on ten levels far below the
 * market (never filled) and clears them with a `cancelAll` every 20 orders, so its open orders
 * stay bounded. With `tradeEvery`, one intent of that many is instead a market order of the
 * least size, buys and sells in turn, which trades with the market maker's quotes: a trading
 * batch (fills, balances, a toast for the quoting account the page shows) that often. Open
 * loop: an intent goes out every 1/`rateHz` s unless 20 are in flight.
 */
export async function startBookChurn(options: {
  readonly webUrl: string
  readonly market: string
  readonly rateHz: number
  /** One intent of this many is a market order (0: none). */
  readonly tradeEvery?: number
}): Promise<{ stop(): Promise<{ sent: number; refused: number; trades: number }> }> {
  const registry = (await (
    await fetch(`${options.webUrl}/registry.json`)
  ).json()) as ReplicaRegistry
  const tokens = createTokenRegistry(registry.tokens)
  const account = privateKeyToAccount(generatePrivateKey())
  const address = account.address.toLowerCase()
  const granted = await fetch(`${options.webUrl}/faucet`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ address }),
  })
  if (granted.status !== 202) throw new Error(`faucet answered ${granted.status}`)
  // The grant is applied before the first order.
  const replicaUrl = registry.replicas[0]!.url
  for (let tries = 0; ; tries += 1) {
    const answer = await fetch(`${replicaUrl}/balances?address=${address}`)
    const body = (await answer.json()) as { balances?: { attestation: { available: string } }[] }
    if (body.balances?.some((balance) => balance.attestation.available !== '0')) break
    if (tries > 60) throw new Error('the faucet grant never arrived')
    await new Promise((resolve) => setTimeout(resolve, 500))
  }

  let lastNonce: bigint | undefined
  let sent = 0
  let refused = 0
  let inFlight = 0
  const submit = async (route: string, fields: Record<string, string>) => {
    lastNonce = nextNonce(Date.now(), lastNonce)
    const parsed = parseUnsignedIntent(
      {
        ...fields,
        signer: address,
        nonce: lastNonce.toString(),
        app: registry.app,
        network: registry.network,
        version: 1,
      },
      tokens,
    )
    if (!parsed.ok) throw new Error(`intent refused locally: ${parsed.reason}`)
    const signature = await account.signMessage({ message: buildIntentText(parsed.value) })
    const url = registry.replicas[sent % registry.replicas.length]!.url
    sent += 1
    const response = await fetch(`${url}${route}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(toWireIntent({ intent: parsed.value, signature })),
    })
    if (response.status !== 202) refused += 1
  }
  let step = 0
  let trades = 0
  const tradeEvery = options.tradeEvery ?? 0
  /** A market order of the least size; its worst price stays above the account's own bids. */
  const trade = () => {
    trades += 1
    const side = trades % 2 === 1 ? 'buy' : 'sell'
    return submit('/order', {
      action: 'order',
      market: options.market,
      side,
      type: 'market',
      price: side === 'buy' ? '100000' : '1000',
      quantity: '0.01',
      timeInForce: 'IOC',
    })
  }
  const timer = setInterval(() => {
    if (inFlight >= 20) return
    inFlight += 1
    const next =
      step % 20 === 19
        ? submit('/cancel', { action: 'cancelAll', market: options.market })
        : tradeEvery > 0 && step % tradeEvery === tradeEvery - 2
          ? trade()
          : submit('/order', {
              action: 'order',
              market: options.market,
              side: 'buy',
              type: 'limit',
              price: String(100 + (step % 10)),
              quantity: '0.01',
              timeInForce: 'POST_ONLY',
            })
    step += 1
    next
      .catch(() => (refused += 1))
      .finally(() => (inFlight -= 1))
      .catch(() => undefined)
  }, 1000 / options.rateHz)
  return {
    async stop() {
      clearInterval(timer)
      await submit('/cancel', { action: 'cancelAll', market: options.market }).catch(
        () => undefined,
      )
      return { sent, refused, trades }
    },
  }
}
