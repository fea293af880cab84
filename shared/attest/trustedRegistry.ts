import type { Hex } from 'viem'
import { registryHashOf, type HashedRegistry, type RootAttestation } from './rootAttestation.ts'

/** What checking a root against a caller's registry needs: its domain and its replicas' keys. */
export interface TrustedRegistry {
  /**
   * Why a statement is outside the registry's domain (another app, network or registry hash),
   * or undefined when it names all three.
   */
  outOfDomain(
    statement: Pick<RootAttestation, 'app' | 'network' | 'registryHash'>,
  ): 'other app' | 'other network' | 'signed under another replica registry' | undefined
  /** The registry's BLS public key of a replica (its first entry), or undefined if unlisted. */
  keyOf(replicaId: string): string | undefined
}

/**
 * The caller's registry prepared for `verifyRootQuorum`, `verifyRootCertificate` and
 * `judgeRootAnswers`, or undefined when it cannot be hashed (a malformed entry): they refuse
 * everything then.
 */
export function trustedRegistry(registry: HashedRegistry): TrustedRegistry | undefined {
  let registryHash: Hex
  try {
    registryHash = registryHashOf(registry)
  } catch {
    return undefined
  }
  const keys = new Map<string, string>()
  for (const replica of registry.replicas) {
    if (!keys.has(replica.id)) keys.set(replica.id, replica.blsPublicKey)
  }
  return {
    outOfDomain: (statement) => {
      if (statement.app !== registry.app) return 'other app'
      if (statement.network !== registry.network) return 'other network'
      if (statement.registryHash !== registryHash) return 'signed under another replica registry'
      return undefined
    },
    keyOf: (replicaId) => keys.get(replicaId),
  }
}
