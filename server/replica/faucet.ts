import { privateKeyToAccount } from 'viem/accounts'
import {
  marketsResponseSchema,
  submitIntentResponseSchema,
  type SubmitIntentResponse,
} from '../../shared/api/index.ts'
import {
  buildIntentText,
  createTokenRegistry,
  nextNonce,
  parseUnsignedIntent,
  toWireIntent,
} from '../../shared/intents/index.ts'

/** Parameters of `mintFromFaucet`. */
export interface MintFromFaucetParameters {
  /** The issuer's private key (the genesis `issuer`), `0x` hex. */
  readonly issuerKey: `0x${string}`
  /** Who receives the tokens. */
  readonly address: string
  /** Base URL of a replica, e.g. `http://127.0.0.1:5001`. */
  readonly replicaUrl: string
  /** Amounts in token units by symbol, e.g. `{ USDT: '10000', ETH: '5' }`. */
  readonly tokens: Readonly<Record<string, string>>
  /** Token decimals (the registry's `tokens`); fetched from the replica's `/markets` if absent. */
  readonly tokenInfo?: readonly { symbol: string; decimals: number }[]
  readonly app: string
  readonly network: string
  /** Nonce of the first mint; default: derived from the clock so restarts do not collide. */
  readonly firstNonce?: bigint
  readonly fetch?: typeof fetch
}

/**
 * Signs one mint intent per token with the issuer key (viem `signMessage`, EIP-191, exactly as a
 * wallet would) and posts each to the replica's `POST /mint`. Mints are sequenced like any other
 * intent; poll `GET /tx/:intentId` or watch SSE receipts to see them applied.
 *
 * @returns the 202 answers, one per token, in the order of `tokens`.
 * @throws Error with the replica's error code when a mint is refused.
 * @example
 * await mintFromFaucet({ issuerKey, address, replicaUrl, tokens: { USDT: '1000' },
 *   tokenInfo: registry.tokens, app: registry.app, network: registry.network })
 */
export async function mintFromFaucet(
  parameters: MintFromFaucetParameters,
): Promise<SubmitIntentResponse[]> {
  const account = privateKeyToAccount(parameters.issuerKey)
  const post = parameters.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const tokenInfo =
    parameters.tokenInfo ??
    marketsResponseSchema.parse(await (await post(`${parameters.replicaUrl}/markets`)).json())
      .tokens
  const registry = createTokenRegistry(tokenInfo)
  const answers: SubmitIntentResponse[] = []
  for (const [token, amount] of Object.entries(parameters.tokens)) {
    const fields = {
      action: 'mint',
      signer: account.address,
      nonce: nextFaucetNonce(parameters.firstNonce).toString(),
      app: parameters.app,
      network: parameters.network,
      version: 1,
      to: parameters.address,
      token,
      amount,
    }
    const intent = parseUnsignedIntent(fields, registry)
    if (!intent.ok) throw new Error(`faucet: ${intent.reason} ${intent.field ?? ''}`.trim())
    const signature = await account.signMessage({ message: buildIntentText(intent.value) })
    const response = await post(`${parameters.replicaUrl}/mint`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(toWireIntent({ intent: intent.value, signature })),
    })
    const body: unknown = await response.json()
    if (response.status !== 202) {
      const code = (body as { error?: { code?: string } }).error?.code ?? String(response.status)
      throw new Error(`faucet: mint of ${amount} ${token} refused: ${code}`)
    }
    answers.push(submitIntentResponseSchema.parse(body))
  }
  return answers
}

let lastNonce: bigint | undefined

/**
 * The faucet's next nonce: milliseconds since the epoch (the replay rule's time nonces), and
 * always above the previous one, so nonces stay unique within a process and across restarts of
 * the launcher; `floor`, when above both, instead.
 */
function nextFaucetNonce(floor: bigint | undefined): bigint {
  const useFloor = floor !== undefined && (lastNonce === undefined || floor > lastNonce)
  lastNonce = useFloor ? floor : nextNonce(Date.now(), lastNonce)
  return lastNonce
}
