import type { Hex } from 'viem'
import {
  registryHashOf,
  type HashedRegistry,
  type RegistryMember,
  type RootAttestation,
} from './rootAttestation.ts'

/** What checking a root against a caller's registry needs: its domain and its replicas' keys. */
export interface TrustedRegistry {
  /**
   * Why a statement is outside the registry's domain (another app, network or registry hash),
   * or undefined when it names all three.
   */
  outOfDomain(
    statement: Pick<RootAttestation, 'app' | 'network' | 'registryHash'>,
  ): 'other app' | 'other network' | 'signed under another replica registry' | undefined
  /** A replica's registry entry (its first), with its BLS key, or undefined if unlisted. */
  memberOf(replicaId: string): RegistryMember | undefined
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
  const members = new Map<string, RegistryMember>()
  for (const replica of registry.replicas) {
    if (!members.has(replica.id)) members.set(replica.id, replica)
  }
  return {
    outOfDomain: (statement) => {
      if (statement.app !== registry.app) return 'other app'
      if (statement.network !== registry.network) return 'other network'
      if (statement.registryHash !== registryHash) return 'signed under another replica registry'
      return undefined
    },
    memberOf: (replicaId) => members.get(replicaId),
  }
}
