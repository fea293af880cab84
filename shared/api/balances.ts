import { z } from 'zod'
// The web app loads this module; attest's index.ts would bring herumi (BLS) into its first load.
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { balanceAttestationSchema, balanceStatementSchema } from '../attest/balanceAttestation.ts'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { blsPublicKeyText, blsSignatureText } from '../attest/rootAttestation.ts'

/** A BLS12-381 G2 signature, compressed: `0x` + 192 hex digits (96 bytes); attest's pattern. */
export const blsSignatureSchema = blsSignatureText

/** A BLS12-381 G1 public key, compressed: `0x` + 96 hex digits (48 bytes); attest's pattern. */
export const blsPublicKeySchema = blsPublicKeyText

/**
 * `GET /balance?address&token[&index]`: one replica's signed balance. `digest` is
 * `balanceAttestationDigest(attestation)` (sha256 of the canonical text, 32 bytes) and
 * `signature` the replica's BLS signature over it. `publicKey` is informative only: verify against
 * the key of `attestation.replicaId` in the replica registry, never against this field. The
 * attestation names the history the balance comes from, `genesisHash` and the Zellular
 * `chainingHash` of `index`: two replicas' answers agree only if those are equal too.
 */
export const signedBalanceSchema = z.object({
  attestation: balanceAttestationSchema,
  digest: z.string().regex(/^0x[0-9a-f]{64}$/),
  signature: blsSignatureSchema,
  publicKey: blsPublicKeySchema,
})

export type SignedBalance = z.infer<typeof signedBalanceSchema>

/** `GET /balances?address`: every known token's signed balance, all at one `index`. */
export const balancesResponseSchema = z.object({
  address: z.string(),
  index: z.number().int().nonnegative(),
  balances: z.array(signedBalanceSchema),
})

export type BalancesResponse = z.infer<typeof balancesResponseSchema>

/** Why a replica of the registry is not among the signers of an aggregate. */
export const nonSignerReasonSchema = z.enum([
  'unreachable', // no answer in time, or an answer that is not a signed balance
  'behind', // its applied index is below the chosen index
  'bad_signature', // the signature does not verify against its registry key
  'disagrees', // it signed other amounts for the same (address, token, index)
])

export type NonSignerReason = z.infer<typeof nonSignerReasonSchema>

/**
 * `GET /aggregate_balance?address&token[&index]`. Every signer signed its own attestation,
 * i.e. `{ ...attestation, replicaId }`; `aggregateSignature` aggregates those signatures. Verify
 * with `verifyAggregateBalance` of `shared/attest` (BLS `verifyMultiple` over the signers'
 * digests with their REGISTRY keys) and require `signers.length >= quorum.required`.
 * Below the quorum the route answers 503 `quorum_not_reached` instead.
 */
export const aggregateBalanceResponseSchema = z.object({
  attestation: balanceStatementSchema,
  index: z.number().int().nonnegative(),
  /** Replica ids whose signatures are in the aggregate, in registry order. */
  signers: z.array(z.string()),
  nonSigners: z.array(z.object({ replicaId: z.string(), reason: nonSignerReasonSchema })),
  aggregateSignature: blsSignatureSchema,
  quorum: z.object({
    /** Signers needed: ⌈2n/3⌉ of the registry unless the registry sets another number. */
    required: z.number().int().positive(),
    /** Replicas in the registry. */
    total: z.number().int().positive(),
  }),
})

export type AggregateBalanceResponse = z.infer<typeof aggregateBalanceResponseSchema>
