import { z } from 'zod'
import { baseUnitsSchema, hash32Schema } from './intents.ts'

/**
 * `GET /balance_proof?address&token`: one balance with its state proof
 * (`docs/state-commitment.md`), at the index of the replica's latest state hash (its tree holds
 * that state only), which may trail its applied index. Check it with `verifyExchangeStateProof`
 * of `shared/exchange` against the `stateHash` a quorum of `GET /root?index` attestations signed,
 * never against this answer's `stateHash` alone. `value` is the leaf's value text (`available
 * locked`), null for a zero balance (no leaf: the proof shows its absence).
 */
export const balanceProofResponseSchema = z.object({
  replicaId: z.string(),
  address: z.string().regex(/^0x[0-9a-f]{40}$/),
  token: z.string(),
  available: baseUnitsSchema,
  locked: baseUnitsSchema,
  /** The applied index the balance and proof are at. */
  index: z.number().int().nonnegative(),
  stateHash: hash32Schema,
  /** The state leaf's key (`balance <address> <token>`) and value (null: no leaf). */
  key: z.string(),
  value: z.string().nullable(),
  /** The proof's bytes (`encodeStateProof`) as `0x` hex. */
  proof: z.string().regex(/^0x(?:[0-9a-f]{2})+$/),
})

export type BalanceProofResponse = z.infer<typeof balanceProofResponseSchema>

/**
 * `GET /order_proof?orderId`: an order's state leaf with its proof at the index of the
 * replica's latest state hash. `value` is the open order as the matching engine holds it
 * (`<market> <side> <priceTicks> <owner> <orderType> <lots> <originalLots> <placedIndex>
 * <placedPosition>`, `docs/state-hash.md`), null when the order is not open there (filled,
 * cancelled or never placed: the proof shows there is no leaf). Check it like a balance proof.
 */
export const orderProofResponseSchema = z.object({
  replicaId: z.string(),
  orderId: hash32Schema,
  index: z.number().int().nonnegative(),
  stateHash: hash32Schema,
  key: z.string(),
  value: z.string().nullable(),
  proof: z.string().regex(/^0x(?:[0-9a-f]{2})+$/),
})

export type OrderProofResponse = z.infer<typeof orderProofResponseSchema>
