import { sha256, stringToBytes, type Hex } from 'viem'
import { z } from 'zod'

/** First line of the canonical root attestation text; a new format gets a new tag. */
export const rootAttestationDomain = 'zellular-orderbook/root-attestation/v2'

/** First line of the canonical registry text hashed by `registryHashOf`. */
export const replicaRegistryHashDomain = 'zellular-orderbook/replica-registry/v1'

const nameText = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/)
const replicaIdText = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
const hash32Text = z.string().regex(/^0x[0-9a-f]{64}$/)
/** A compressed BLS12-381 G1 public key (48 bytes) as lower-case `0x` hex. */
export const blsPublicKeyText = z.string().regex(/^0x[0-9a-f]{96}$/)
/** A compressed BLS12-381 G2 signature (96 bytes) as lower-case `0x` hex. */
export const blsSignatureText = z.string().regex(/^0x[0-9a-f]{192}$/)
/** Zellular's chaining hash: xxh128 as 32 lower-case hex digits; "" before the first batch. */
const chainingHashText = z.string().regex(/^(?:[0-9a-f]{32})?$/)
const safeCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

/**
 * One replica's answer about its state at one applied index (`docs/state-commitment.md`): who
 * it is, and the statement it signs: the domain (app, network, and the hash of the replica
 * registry the signers belong to), the index, Zellular's chaining hash of that index, the
 * batch's deterministic time and the state hash. Every field of the statement is a function of
 * the finalized sequence (index, chaining hash, quorum-signed time) or of configuration; none is
 * a replica's clock. Each field has a closed alphabet without line breaks, so the canonical text
 * is unambiguous.
 *
 * The replica id is not signed: honest replicas at one index sign the same message, so a quorum
 * is checked with two pairings whatever its size (BLS FastAggregateVerify), which is sound
 * because every registry key comes with a proof of possession (`proofOfPossession.ts`).
 */
export const rootAttestationSchema = z.strictObject({
  app: nameText,
  network: nameText,
  /** `registryHashOf(registry)`: attestations under another replica set do not count here. */
  registryHash: hash32Text,
  replicaId: replicaIdText,
  /** Zellular batch index the state is as of (every batch up to it applied). */
  index: safeCount,
  /** Zellular's chaining hash of batch `index` (it chains every batch before it); "" at 0. */
  chainingHash: chainingHashText,
  /** The batch's deterministic time in ms (from quorum-signed sync points); 0 at genesis. */
  time: safeCount,
  /** The state hash (`docs/state-hash.md`) after batch `index`, `0x` + 64 hex digits. */
  stateHash: hash32Text,
})

/** One replica's root statement; see `rootAttestationSchema`. */
export type RootAttestation = z.infer<typeof rootAttestationSchema>

/** What replicas sign and a quorum agrees on: a root attestation without its replica id. */
export const rootStatementSchema = rootAttestationSchema.omit({ replicaId: true })

/** The root a replica signed; see `rootStatementSchema`. */
export type RootStatement = z.infer<typeof rootStatementSchema>

/** A root attestation as a replica answers it (`GET /root`). */
export const signedRootSchema = z.strictObject({
  attestation: rootAttestationSchema,
  /** `rootAttestationDigest(attestation)`; recomputed by verifiers, never trusted. */
  digest: hash32Text,
  /** BLS12-381 G2 signature of the digest, 96 bytes compressed. */
  signature: blsSignatureText,
  /** The signer's G1 public key; informative only (verify with the registry's). */
  publicKey: blsPublicKeyText,
})

export type SignedRoot = z.infer<typeof signedRootSchema>

/**
 * The canonical text of a statement (a whole attestation may be passed: its replica id is not
 * part of it): the domain tag, then one field per line in this fixed order: app, network,
 * registryHash, index, chainingHash (empty at index 0), time, stateHash.
 */
export function buildRootAttestationText(statement: RootStatement): string {
  const { app, network, registryHash, index, chainingHash, time, stateHash } = statement
  const checked = rootStatementSchema.parse({
    app,
    network,
    registryHash,
    index,
    chainingHash,
    time,
    stateHash,
  })
  return [
    rootAttestationDomain,
    checked.app,
    checked.network,
    checked.registryHash,
    String(checked.index),
    checked.chainingHash,
    String(checked.time),
    checked.stateHash,
  ].join('\n')
}

/** The 32-byte message every replica of a quorum signs: sha256 of the UTF-8 canonical text. */
export function rootAttestationDigest(statement: RootStatement): Hex {
  return sha256(stringToBytes(buildRootAttestationText(statement)))
}

/**
 * What a registry hash covers: the replica set and quorum (URLs, tokens, markets are not; nor
 * the proofs of possession, facts about the keys that every check verifies).
 */
export interface HashedRegistry {
  readonly app: string
  readonly network: string
  readonly quorum: number
  readonly replicas: readonly RegistryMember[]
}

/** A registry replica as root checks need it: its id, key and the key's proof of possession. */
export interface RegistryMember {
  readonly id: string
  readonly blsPublicKey: string
  /** `proveBlsPossession(secretKey)`: the key's signature of `proofOfPossessionDigest(key)`. */
  readonly blsProofOfPossession: string
}

/**
 * The hash of the trust root a root attestation is made under: sha256 of the UTF-8 text
 * `replicaRegistryHashDomain`, app, network, quorum, then one `<id> <blsPublicKey>` line per
 * replica in registry order, joined by line breaks. Two registries with the same replicas, keys
 * and quorum hash alike whatever their URLs; a changed key or quorum is another domain.
 */
export function registryHashOf(registry: HashedRegistry): Hex {
  const lines = [
    replicaRegistryHashDomain,
    nameText.parse(registry.app),
    nameText.parse(registry.network),
    String(safeCount.parse(registry.quorum)),
    ...registry.replicas.map(
      (replica) =>
        `${replicaIdText.parse(replica.id)} ${blsPublicKeyText.parse(replica.blsPublicKey)}`,
    ),
  ]
  return sha256(stringToBytes(lines.join('\n')))
}
