import type { Hex } from 'viem'
import { registryHashOf, type HashedRegistry, type RootAttestation } from './rootAttestation.ts'

/** What checking a root against a caller's registry needs: its domain and its replicas' keys. */
export interface TrustedRegistry {
  /** Whether a statement names the registry's app, network and registry hash. */
  inDomain(statement: Pick<RootAttestation, 'app' | 'network' | 'registryHash'>): boolean
  /** The registry's BLS public key of a replica (its first entry), or undefined if unlisted. */
  keyOf(replicaId: string): string | undefined
}

/**
 * The caller's registry prepared for `verifyRootQuorum` and `verifyRootCertificate`, or
 * undefined when it cannot be hashed (a malformed entry): both refuse everything then.
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
    inDomain: (statement) =>
      statement.app === registry.app &&
      statement.network === registry.network &&
      statement.registryHash === registryHash,
    keyOf: (replicaId) => keys.get(replicaId),
  }
}
