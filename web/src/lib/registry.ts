import {
  replicaRegistrySchema,
  type MarketInfo,
  type ReplicaRegistry,
} from '../../../shared/api/index.ts'
import { createTokenRegistry, type TokenRegistry } from '../../../shared/intents/index.ts'
import { parseFaucetOutcome, type FaucetOutcome } from './faucetOutcome.ts'
import { requestJson } from './replicaClient.ts'

/** The registry plus lookups the app needs everywhere. */
export interface AppRegistry extends ReplicaRegistry {
  readonly tokenRegistry: TokenRegistry
  readonly decimalsOf: (token: string) => number
  readonly marketById: (id: string) => MarketInfo | undefined
}

/**
 * Loads `/registry.json` from the app's own server: the trust root for replica URLs, BLS keys,
 * quorum, tokens and markets. Never read from a replica.
 */
export async function fetchRegistry(signal?: AbortSignal): Promise<AppRegistry> {
  const registry = await requestJson('/registry.json', replicaRegistrySchema, { signal })
  return toAppRegistry(registry)
}

function toAppRegistry(registry: ReplicaRegistry): AppRegistry {
  const tokenRegistry = createTokenRegistry(registry.tokens)
  return {
    ...registry,
    tokenRegistry,
    decimalsOf: (token) => tokenRegistry.get(token)?.decimals ?? 0,
    marketById: (id) => registry.markets.find((market) => market.id === id),
  }
}

/**
 * `POST /faucet {address}` on the app's own server (local network only): which tokens it
 * minted.
 */
export async function requestFaucet(address: string): Promise<FaucetOutcome> {
  const response = await fetch('/faucet', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address }),
  })
  const body: unknown = await response.json().catch(() => undefined)
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message
    throw new Error(message ?? `Faucet answered ${response.status}`)
  }
  return parseFaucetOutcome(body)
}
