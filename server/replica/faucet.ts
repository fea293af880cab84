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
 * @throws Error with the replica's error code when a mint is refused (the mints before it stand).
 * @example
 * await mintFromFaucet({ issuerKey, address, replicaUrl, tokens: { USDT: '1000' },
 *   tokenInfo: registry.tokens, app: registry.app, network: registry.network })
 */
export async function mintFromFaucet(
  parameters: MintFromFaucetParameters,
): Promise<SubmitIntentResponse[]> {
  const post = parameters.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const tokenInfo =
    parameters.tokenInfo ??
    marketsResponseSchema.parse(await (await post(`${parameters.replicaUrl}/markets`)).json())
      .tokens
  const signer = mintSigner({ ...parameters, tokenInfo })
  const answers: SubmitIntentResponse[] = []
  for (const [token, amount] of Object.entries(parameters.tokens)) {
    const outcome = await postMint(post, parameters.replicaUrl, await signer(token, amount))
    if (outcome.kind !== 'accepted') {
      const code = outcome.kind === 'refused' ? outcome.code : 'no_answer'
      throw new Error(`faucet: mint of ${amount} ${token} refused: ${code}`)
    }
    answers.push(outcome.answer)
  }
  return answers
}

/** Parameters of `grantFromFaucet`. */
export interface GrantFromFaucetParameters extends Omit<
  MintFromFaucetParameters,
  'replicaUrl' | 'tokenInfo'
> {
  /** Base URLs of the replicas, tried in this order for each token. */
  readonly replicaUrls: readonly string[]
  /** Token decimals (the registry's `tokens`). */
  readonly tokenInfo: readonly { symbol: string; decimals: number }[]
}

/** What `grantFromFaucet` did with each token of a grant. */
export interface FaucetGrant {
  /** Mints a replica accepted (202), each accepted once: `replicaUrl` took it. */
  readonly granted: readonly {
    readonly token: string
    readonly amount: string
    readonly intentId: string
    readonly replicaUrl: string
  }[]
  /**
   * Mints no replica accepted, with the last answer's error code (`no_answer` when the last
   * gave none). `uncertain`: some replica gave no answer, so it may have taken the mint.
   */
  readonly refused: readonly {
    readonly token: string
    readonly amount: string
    readonly reason: string
    readonly uncertain: boolean
  }[]
}

/**
 * Mints a faucet grant through the replicas: each token's mint is signed once and posted to the
 * replicas in turn until one accepts it (202), then never again, so a replica that refuses one
 * token (429 when busy, say) costs neither that token nor the others, and nothing is granted
 * twice. The same signed intent (one nonce) goes to every replica tried: should one take it
 * without answering, the ledger applies it once whoever else takes it too.
 *
 * @returns which tokens were granted and which were not (and why); never throws for a refusal.
 * @throws Error, before any mint is sent, when a mint cannot be signed (a token or amount the
 *   registry refuses).
 */
export async function grantFromFaucet(parameters: GrantFromFaucetParameters): Promise<FaucetGrant> {
  const post = parameters.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const signer = mintSigner(parameters)
  // All signed before any is sent: what throws (a token the registry lacks) mints nothing.
  const mints: { token: string; amount: string; body: string }[] = []
  for (const [token, amount] of Object.entries(parameters.tokens)) {
    mints.push({ token, amount, body: await signer(token, amount) })
  }
  const granted: FaucetGrant['granted'][number][] = []
  const refused: FaucetGrant['refused'][number][] = []
  for (const { token, amount, body } of mints) {
    const outcome = await mintOnFirstTaker(post, parameters.replicaUrls, body)
    if ('intentId' in outcome) granted.push({ token, amount, ...outcome })
    else refused.push({ token, amount, ...outcome })
  }
  return { granted, refused }
}

/** Posts one signed mint to each replica in turn until one accepts it. */
async function mintOnFirstTaker(
  post: typeof fetch,
  replicaUrls: readonly string[],
  body: string,
): Promise<{ intentId: string; replicaUrl: string } | { reason: string; uncertain: boolean }> {
  let reason = 'no_replica'
  let uncertain = false
  for (const replicaUrl of replicaUrls) {
    const outcome = await postMint(post, replicaUrl, body)
    if (outcome.kind === 'accepted') return { intentId: outcome.answer.intentId, replicaUrl }
    uncertain ||= outcome.kind === 'unanswered'
    reason = outcome.kind === 'refused' ? outcome.code : 'no_answer'
  }
  return { reason, uncertain }
}

/** How long a replica may take to answer one mint before the next is tried. */
const mintTimeoutMs = 10_000

type MintOutcome =
  | { readonly kind: 'accepted'; readonly answer: SubmitIntentResponse }
  | { readonly kind: 'refused'; readonly code: string }
  | { readonly kind: 'unanswered' }

/** Posts one signed mint (its wire JSON) to the replica at `replicaUrl`. */
async function postMint(
  post: typeof fetch,
  replicaUrl: string,
  body: string,
): Promise<MintOutcome> {
  try {
    const response = await post(`${replicaUrl}/mint`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      signal: AbortSignal.timeout(mintTimeoutMs),
    })
    const answer: unknown = await response.json()
    if (response.status === 202) {
      return { kind: 'accepted', answer: submitIntentResponseSchema.parse(answer) }
    }
    const code = (answer as { error?: { code?: string } }).error?.code ?? String(response.status)
    return { kind: 'refused', code }
  } catch {
    // No answer, or none that can be read: the replica may have taken it.
    return { kind: 'unanswered' }
  }
}

/** Signs the issuer's mint of `amount` `token` to `address`, a fresh nonce each: wire JSON. */
function mintSigner(parameters: {
  readonly issuerKey: `0x${string}`
  readonly address: string
  readonly tokenInfo: readonly { symbol: string; decimals: number }[]
  readonly app: string
  readonly network: string
  readonly firstNonce?: bigint
}): (token: string, amount: string) => Promise<string> {
  const account = privateKeyToAccount(parameters.issuerKey)
  const registry = createTokenRegistry(parameters.tokenInfo)
  return async (token, amount) => {
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
    return JSON.stringify(toWireIntent({ intent: intent.value, signature }))
  }
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
