import { z } from 'zod'
import { baseUnitsSchema, batchTimeSchema, canonicalAddressSchema } from './intents.ts'
import { orderViewSchema } from './market.ts'

/**
 * A resting order in a snapshot: the fields of `orderViewSchema` that the exchange keeps of an
 * open order (`OrderUpdate` of `shared/exchange`), and its position in its batch.
 */
export const snapshotOrderSchema = orderViewSchema
  .pick({
    orderId: true,
    market: true,
    owner: true,
    side: true,
    type: true,
    timeInForce: true,
    price: true,
    quantity: true,
    filled: true,
    remaining: true,
    placedIndex: true,
    updatedIndex: true,
  })
  .extend({ placedPosition: z.number().int().nonnegative() })

export type SnapshotOrder = z.infer<typeof snapshotOrderSchema>

/**
 * Body of `GET /snapshot`: a replica's whole consensus state at one applied index, for state sync
 * (`docs/state-commitment.md`). Nothing in it is taken on the serving replica's word: the joining
 * replica rebuilds its exchange from it and accepts it only when the rebuilt state hash, with
 * `index`, `chainingHash` and `time`, is the root a quorum of the registry's replicas signed at
 * `index`. History (receipts, trades, closed orders) is not part of it.
 */
export const stateSnapshotSchema = z.object({
  /** Version of this format. */
  version: z.literal(1),
  /** The replica that served it (for logs; it proves nothing). */
  replicaId: z.string(),
  index: z.number().int().nonnegative(),
  /** Zellular's chaining hash of `index` ("" at 0). */
  chainingHash: z.string(),
  /** The batch time of `index` (`batchTimeSchema`). */
  time: batchTimeSchema,
  /** Every non-zero balance, as `[address, token, available, locked]`. */
  balances: z.array(
    z.tuple([canonicalAddressSchema, z.string(), baseUnitsSchema, baseUnitsSchema]),
  ),
  /** Every signer's kept nonces (`shared/ledger`'s window), as `[signer, nonces]`. */
  nonceWindows: z.array(z.tuple([canonicalAddressSchema, z.array(baseUnitsSchema)])),
  openOrders: z.array(snapshotOrderSchema),
  /** Each market's trade and book sequence numbers. */
  markets: z.array(
    z.object({
      market: z.string(),
      tradeSeq: z.number().int().nonnegative(),
      bookSeq: z.number().int().nonnegative(),
    }),
  ),
})

export type StateSnapshot = z.infer<typeof stateSnapshotSchema>
