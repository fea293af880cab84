import type { SignedBalance } from '../../shared/api/index.ts'
import { signBalanceAttestation } from '../../shared/attest/index.ts'

/** Where a balance is as of: a batch index and Zellular's chaining hash of it ("" at 0). */
export interface AttestedPosition {
  readonly index: number
  readonly chainingHash: string
}

/**
 * What the signatures of one request may cost (`signedReads.ts`): `spend(n)` before `n` new
 * signatures, which throws 429 `rate_limited` when the client's allowance has not that many
 * left, or 503 `overloaded` when the replica-wide signing budget has not (`SigningBudget`).
 * Signatures served from the cache are free.
 */
export interface SignatureBudget {
  spend(signatures: number): void
}

/** One balance to sign: of `token`, as of `at`. */
export interface BalanceToSign {
  readonly token: string
  readonly balance: { available: bigint; locked: bigint }
  readonly at: AttestedPosition
}

/**
 * Signs balance attestations with the replica's BLS key and caches them per statement
 * (address, token, available, locked, index, chaining hash): a herumi signature costs about 2 ms,
 * so repeated reads (every open wallet polls) are served from the cache. The amounts are in the
 * key, not only the position: a cached signature is only ever of the value read now, so a state
 * replaced under this signer (healed by state sync, an API process's database emptied and synced
 * again) cannot get a signature of the balance its replaced state held at the same index.
 * `identity` holds what every statement of this replica names: app, network, its id and the
 * genesis (configuration) hash of its database.
 *
 * Every signature is paid for: each call names the `SignatureBudget` of the request it answers
 * and spends on it, before signing, the signatures the cache does not hold; so a client's
 * signed-read allowance bounds the signatures it makes, however many values each read asks for.
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

  /**
   * Forgets every signature kept, of a state now replaced (by state sync): none would be served
   * again, the amounts being in the key, but each would hold memory until evicted.
   */
  forget(): void {
    this.cache.clear()
  }

  /** The signed balances of `address` in `balances` (in that order), paid from `budget`. */
  signAll(
    address: string,
    balances: readonly BalanceToSign[],
    budget: SignatureBudget,
  ): SignedBalance[] {
    const unsigned = new Set<string>()
    for (const { token, balance, at } of balances) {
      const key = keyOf(address, token, balance, at)
      if (!this.cache.has(key)) unsigned.add(key)
    }
    // No await from here on: what was counted is what is signed.
    if (unsigned.size > 0) budget.spend(unsigned.size)
    return balances.map(({ token, balance, at }) => this.entry(address, token, balance, at).signed)
  }

  /** One signed balance as JSON text, serialized once per cache entry; paid from `budget`. */
  signJson(address: string, signing: BalanceToSign, budget: SignatureBudget): string {
    const { token, balance, at } = signing
    if (!this.cache.has(keyOf(address, token, balance, at))) budget.spend(1)
    return this.entry(address, token, balance, at).json
  }

  private entry(
    address: string,
    token: string,
    balance: { available: bigint; locked: bigint },
    at: AttestedPosition,
  ): { signed: SignedBalance; json: string } {
    const key = keyOf(address, token, balance, at)
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

function keyOf(
  address: string,
  token: string,
  balance: { available: bigint; locked: bigint },
  at: AttestedPosition,
): string {
  const amounts = `${balance.available}|${balance.locked}`
  return `${address}|${token}|${at.index}|${at.chainingHash}|${amounts}`
}
