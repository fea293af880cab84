import { z } from 'zod'
import { blsPublicKeySchema } from './balances.ts'
import { marketInfoSchema, tokenInfoSchema } from './market.ts'

/**
 * The replica registry, written by the launcher (`prepareReplicas`) and given to clients by
 * their own server: the trust root for balance attestations. Never take it, or any key, from a
 * replica's answer. `quorum` is the number of agreeing signatures an aggregate needs
 * (⌈2n/3⌉ by default).
 */
export const replicaRegistrySchema = z.object({
  /** Intent app domain the replicas serve, e.g. `zellular-orderbook`. */
  app: z.string(),
  /** Network name, e.g. `devnet`. */
  network: z.string(),
  quorum: z.number().int().positive(),
  replicas: z
    .array(
      z.object({
        id: z.string(),
        /** Base URL of its HTTP API, e.g. `http://127.0.0.1:5001`. */
        url: z.string(),
        blsPublicKey: blsPublicKeySchema,
      }),
    )
    .min(1),
  tokens: z.array(tokenInfoSchema),
  markets: z.array(marketInfoSchema),
})

export type ReplicaRegistry = z.infer<typeof replicaRegistrySchema>
