import { herumi } from './herumi.ts'
import { createBlsVerifier, type BlsVerifier } from './blsVerifier.ts'
import { fixtureDomain, fixtureIndex, replicaIds } from './fixtureIdsTesting.ts'
import type { ReplicaRootAnswer } from './judgeRootAnswers.ts'
import { registryHashOf, type RootAttestation, type SignedRoot } from './rootAttestation.ts'
import { blsIdentityOf } from './signBalanceAttestation.ts'
import { signRootAttestation } from './signRootAttestation.ts'

/*
 * Helpers for tests only; not exported from the module façade. Three replicas' BLS keys in a
 * registry of quorum 2, and their signed root attestations of one index as `GET /root?index`
 * answers them, for the tests of the root judges (here, in shared/exchange and in the web app).
 */

export { fixtureIndex, replicaIds }

const secretKeys = [1, 2, 3].map((n) => new Uint8Array(32).fill(n))

export const fixtureRegistry = {
  ...fixtureDomain,
  quorum: 2,
  replicas: replicaIds.map((id, i) => ({ id, ...blsIdentityOf(secretKeys[i]!) })),
}

/**
 * A verifier that counts the BLS checks it makes (cache hits included): `single` signatures,
 * `aggregate` checks of one quorum (same-message or not), and `batch` checks of distinct
 * messages (the registry's proofs of possession, once per key for the life of the process, so
 * a test's counts do not depend on which test ran first).
 */
export function countingVerifier(): BlsVerifier & {
  single: number
  aggregate: number
  batch: number
} {
  const real = createBlsVerifier(herumi)
  const counted = {
    single: 0,
    aggregate: 0,
    batch: 0,
    verify: (...args: Parameters<BlsVerifier['verify']>) => {
      counted.single += 1
      return real.verify(...args)
    },
    verifyAggregate: (...args: Parameters<BlsVerifier['verifyAggregate']>) => {
      counted.batch += 1
      return real.verifyAggregate(...args)
    },
    verifyMultiple: (...args: Parameters<BlsVerifier['verifyMultiple']>) => {
      counted.aggregate += 1
      return real.verifyMultiple(...args)
    },
    fastAggregateVerify: (...args: Parameters<BlsVerifier['fastAggregateVerify']>) => {
      counted.aggregate += 1
      return real.fastAggregateVerify(...args)
    },
  }
  return counted
}

/**
 * Replica `position`'s `GET /root?index` answer at `fixtureIndex`; `override` changes what it
 * signs (a test of proofs passes the `stateHash` of a real state).
 */
export function signedRoot(position: number, override: Partial<RootAttestation> = {}): SignedRoot {
  return signRootAttestation(secretKeys[position]!, {
    app: fixtureRegistry.app,
    network: fixtureRegistry.network,
    registryHash: registryHashOf(fixtureRegistry),
    replicaId: replicaIds[position]!,
    index: fixtureIndex,
    chainingHash: '06b05ab6733a618578af5f94892f3950',
    time: 1_800_000_000_000,
    stateHash: `0x${'5e'.repeat(32)}`,
    ...override,
  })
}

/** The `GET /root?index` answers of the replicas at `positions`, each signing `stateHash`. */
export function rootAnswers(stateHash: string, positions = [0, 1, 2]): ReplicaRootAnswer[] {
  return positions.map((position) => ({
    replicaId: replicaIds[position]!,
    kind: 'answer',
    body: signedRoot(position, { stateHash }),
  }))
}
