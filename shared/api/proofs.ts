import { z } from 'zod'
import { baseUnitsSchema, hash32Schema } from './intents.ts'
import { ordersPageMax } from './queries.ts'

/** A state proof's bytes (`encodeStateProof` of `shared/stateHash`) as `0x` hex. */
const proofHexSchema = z.string().regex(/^0x(?:[0-9a-f]{2})+$/)

/**
 * Most pages of `GET /orders?proof=1` a client reads for one check of an address's open orders
 * (up to 1,000 orders with pages of `ordersPageMax`): the requests per check stay bounded.
 */
export const provenOrderPagesMax = 10

/** Most tokens one proven `/balances` answer lists: far above any registry, so bounded. */
const provenBalancesMax = 256

/**
 * `GET /balances?address&proof=1`: every listed token's balance of `address` with its state
 * proof (`docs/state-commitment.md`), all at `index`, the index of the replica's latest state
 * hash (its tree holds that state only), which may trail its applied index. A client checks each
 * proof against the `stateHash` a quorum of `GET /root?index` attestations signed, never against
 * this answer's `stateHash` alone, and rebuilds each leaf from the amounts (a zero balance has no
 * leaf: its proof shows the absence). 503 `proof_unavailable` when a balance cannot be proven
 * at that hash now.
 */
export const provenBalancesResponseSchema = z.object({
  replicaId: z.string(),
  address: z.string().regex(/^0x[0-9a-f]{40}$/),
  index: z.number().int().nonnegative(),
  stateHash: hash32Schema,
  balances: z
    .array(
      z.object({
        token: z.string(),
        available: baseUnitsSchema,
        locked: baseUnitsSchema,
        proof: proofHexSchema,
      }),
    )
    .max(provenBalancesMax),
})

export type ProvenBalancesResponse = z.infer<typeof provenBalancesResponseSchema>

/**
 * The `proofs` of `GET /orders?…&proof=1`: the state leaf of each open order of the page that
 * the replica can prove at its latest state hash, with its proof; all at `index`. `value` is the
 * order as the matching engine held it there (`<market> <side> <priceTicks> <owner> <orderType>
 * <lots> <originalLots> <placedIndex> <placedPosition>`, `docs/state-hash.md`), null when it
 * was not open there (the proof shows there is no leaf). An order changed since that hash has
 * no value to prove (orders keep no history) and is left out: another replica may prove it.
 */
export const orderProofsSchema = z.object({
  replicaId: z.string(),
  index: z.number().int().nonnegative(),
  stateHash: hash32Schema,
  orders: z
    .array(z.object({ orderId: hash32Schema, value: z.string().nullable(), proof: proofHexSchema }))
    .max(ordersPageMax),
})

export type OrderProofs = z.infer<typeof orderProofsSchema>

/**
 * One balance's proof as a client judges it, taken out of a proven `/balances` answer
 * (`splitBalanceProofs` of `shared/exchange`): the amounts, the index and the proof.
 */
export const balanceProofSchema = z.object({
  replicaId: z.string(),
  address: z.string().regex(/^0x[0-9a-f]{40}$/),
  token: z.string(),
  available: baseUnitsSchema,
  locked: baseUnitsSchema,
  /** The index of the state hash the proof is at. */
  index: z.number().int().nonnegative(),
  stateHash: hash32Schema,
  proof: proofHexSchema,
})

export type BalanceProof = z.infer<typeof balanceProofSchema>

/**
 * One order's proof as a client judges it, taken out of the `proofs` of a `/orders` page
 * (`splitOrderProofs` of `shared/exchange`).
 */
export const orderProofSchema = z.object({
  replicaId: z.string(),
  orderId: hash32Schema,
  index: z.number().int().nonnegative(),
  stateHash: hash32Schema,
  value: z.string().nullable(),
  proof: proofHexSchema,
})

export type OrderProof = z.infer<typeof orderProofSchema>
