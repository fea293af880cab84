import { z } from 'zod'
import { blsPublicKeySchema, blsSignatureSchema } from './balances.ts'
import { marketInfoSchema, tokenInfoSchema } from './market.ts'

const replicaEntrySchema = z.object({
  id: z.string(),
  /** Base URL of its HTTP API, e.g. `http://127.0.0.1:5001`. */
  url: z.string(),
  blsPublicKey: blsPublicKeySchema,
  /**
   * The key's signature of its own `proofOfPossessionDigest` (`shared/attest`): without it a
   * rogue key could cancel the others out of a quorum's sum of keys. Clients check it.
   */
  blsProofOfPossession: blsSignatureSchema,
})

/**
 * The replica registry, written by the launcher (`prepareReplicas`) and given to clients by
 * their own server: the trust root for balance attestations. Never take it, or any key, from a
 * replica's answer.
 *
 * Each replica is listed once: ids, URLs and BLS keys are distinct, so no replica can be
 * counted twice towards a quorum. `quorum` is the number of agreeing signatures an aggregate
 * needs (⌈2n/3⌉ by default, `defaultQuorum`), an integer with n/2 < quorum ≤ n. Above half, any
 * two quorums share at least one replica, so two aggregates contradicting each other at one
 * index need a replica that signed both, which an honest replica never does, and no minority
 * can build a proof alone; at most n, or no proof could ever be made. The stricter BFT rule
 * quorum ≥ ⌊2n/3⌋ + 1 would refuse the devnet's 2 of 3.
 */
export const replicaRegistrySchema = z
  .object({
    /** Intent app domain the replicas serve, e.g. `zellular-orderbook`. */
    app: z.string(),
    /** Network name, e.g. `devnet`. */
    network: z.string(),
    quorum: z.number().int(),
    replicas: z.array(replicaEntrySchema).min(1),
    tokens: z.array(tokenInfoSchema),
    markets: z.array(marketInfoSchema),
  })
  .superRefine((registry, context) => {
    for (const field of ['id', 'url', 'blsPublicKey'] as const) {
      const seen = new Set<string>()
      for (const [position, replica] of registry.replicas.entries()) {
        if (seen.has(replica[field])) {
          context.addIssue({
            code: 'custom',
            path: ['replicas', position, field],
            message: `${field} ${replica[field]} is listed twice`,
          })
        }
        seen.add(replica[field])
      }
    }
    const { quorum } = registry
    const total = registry.replicas.length
    if (quorum * 2 <= total || quorum > total) {
      const message = `quorum ${quorum} of ${total}: not above ${total / 2} or above ${total}`
      context.addIssue({ code: 'custom', path: ['quorum'], message })
    }
  })

export type ReplicaRegistry = z.infer<typeof replicaRegistrySchema>
