import type { SignedBalance } from '../../shared/api/index.ts'
import { signBalanceAttestation } from '../../shared/attest/index.ts'

/** Where a balance is as of: a batch index and Zellular's chaining hash of it ("" at 0). */
export interface AttestedPosition {
  readonly index: number
  readonly chainingHash: string
}

/**
 * Signs balance attestations with the replica's BLS key and caches them per
 * (address, token, index, chaining hash): a balance at an applied index never changes, and a
 * herumi signature costs about 2 ms, so repeated reads (every open wallet polls) are served from
 * the cache. `identity` holds what every statement of this replica names: app, network, its id
 * and the genesis (configuration) hash of its database.
 */
export class BalanceSigner {
  private readonly cache = new Map<string, { signed: SignedBalance; json: string }>()
  hits = 0
  misses = 0

  constructor(
    private readonly secretKey: Uint8Array,
    private readonly identity: {
      app: string
      network: string
      replicaId: string
      genesisHash: string
    },
    private readonly cacheSize = 100_000,
  ) {}

  sign(
    address: string,
    token: string,
    balance: { available: bigint; locked: bigint },
    at: AttestedPosition,
  ): SignedBalance {
    return this.entry(address, token, balance, at).signed
  }

  /** The same signed balance as JSON text, serialized once per cache entry. */
  signJson(
    address: string,
    token: string,
    balance: { available: bigint; locked: bigint },
    at: AttestedPosition,
  ): string {
    return this.entry(address, token, balance, at).json
  }

  private entry(
    address: string,
    token: string,
    balance: { available: bigint; locked: bigint },
    at: AttestedPosition,
  ): { signed: SignedBalance; json: string } {
    const key = `${address}|${token}|${at.index}|${at.chainingHash}`
    const cached = this.cache.get(key)
    if (cached !== undefined) {
      this.hits += 1
      return cached
    }
    this.misses += 1
    const attestation = {
      ...this.identity,
      address,
      token,
      available: balance.available.toString(),
      locked: balance.locked.toString(),
      index: at.index,
      chainingHash: at.chainingHash,
    }
    const signed = signBalanceAttestation(this.secretKey, attestation)
    if (this.cache.size >= this.cacheSize) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.cacheSize / 10)
      for (const oldKey of this.cache.keys()) {
        if (drop-- <= 0) break
        this.cache.delete(oldKey)
      }
    }
    const entry = { signed, json: JSON.stringify(signed) }
    this.cache.set(key, entry)
    return entry
  }
}
