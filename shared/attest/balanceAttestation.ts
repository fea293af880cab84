import { sha256, stringToBytes, type Hex } from 'viem'
import { z } from 'zod'

/** First line of the canonical attestation text; a new format gets a new tag. */
export const balanceAttestationDomain = 'zellular-orderbook/balance-attestation/v2'

const nameText = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/)
const addressText = z.string().regex(/^0x[0-9a-f]{40}$/)
const tokenText = z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/)
const unitsText = z.string().regex(/^(?:0|[1-9][0-9]{0,77})$/)
const replicaIdText = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
const hash32Text = z.string().regex(/^0x[0-9a-f]{64}$/)
/** Zellular's chaining hash: xxh128 as 32 lower-case hex digits; "" before the first batch. */
const chainingHashText = z.string().regex(/^(?:[0-9a-f]{32})?$/)

/**
 * What one replica signs about one balance: the app and network it serves, the hash of the
 * configuration its state started from, its own id, the (canonical lower-case) address, the
 * token, the available and locked amounts in base units as decimal strings, the applied batch
 * index the balance is as of, and Zellular's chaining hash of that index. Every field has a
 * closed alphabet without spaces or line breaks, so the canonical text below is unambiguous.
 *
 * The two hashes bind the balance to one history: an index alone names a position, not what was
 * applied up to it. A replica whose database was reset (its key kept) and that then followed
 * another sequence, or another genesis, signs another statement for the same (index, address),
 * never a second balance for the same one; and replicas agree on a balance only if they agree
 * on the history that produced it.
 */
export const balanceAttestationSchema = z.strictObject({
  /** Intent app domain, e.g. `zellular-orderbook`. */
  app: nameText,
  /** Network name, e.g. `devnet`: an attestation from one network is worthless on another. */
  network: nameText,
  /**
   * keccak256 of the configuration the state at index 0 is made of (domain, genesis, markets),
   * as the replica's database keeps it (`genesis_hash`), `0x` + 64 hex digits.
   */
  genesisHash: hash32Text,
  /** Replica id as listed in the replica registry, e.g. `replica-1`. */
  replicaId: replicaIdText,
  address: addressText,
  token: tokenText,
  /** Spendable amount, integer base units. */
  available: unitsText,
  /** Amount held by open orders, integer base units. */
  locked: unitsText,
  /** Zellular batch index the balance is as of (every batch up to it applied). */
  index: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** Zellular's chaining hash of batch `index` (it chains every batch before it); "" at 0. */
  chainingHash: chainingHashText,
})

/** One replica's balance statement; see `balanceAttestationSchema`. */
export type BalanceAttestation = z.infer<typeof balanceAttestationSchema>

/** The part of an attestation every replica agrees on: everything but the replica id. */
export const balanceStatementSchema = balanceAttestationSchema.omit({ replicaId: true })

/** A balance statement shared by all signers of an aggregate. */
export type BalanceStatement = z.infer<typeof balanceStatementSchema>

/**
 * The canonical text of an attestation: the domain tag, then one field per line in this fixed
 * order: app, network, genesisHash, replicaId, address, token, available, locked, index,
 * chainingHash (an empty last line at index 0).
 *
 * @example
 * buildBalanceAttestationText(a) // 'zellular-orderbook/balance-attestation/v2\n…'
 */
export function buildBalanceAttestationText(attestation: BalanceAttestation): string {
  const checked = balanceAttestationSchema.parse(attestation)
  const { app, network, genesisHash, replicaId, address, token, available, locked } = checked
  return [
    balanceAttestationDomain,
    app,
    network,
    genesisHash,
    replicaId,
    address,
    token,
    available,
    locked,
    String(checked.index),
    checked.chainingHash,
  ].join('\n')
}

/**
 * The 32-byte message a replica signs: sha256 of the UTF-8 canonical text. BLS signs this digest,
 * never the text, because `verifyMultiple` (herumi) only accepts 32-byte messages.
 */
export function balanceAttestationDigest(attestation: BalanceAttestation): Hex {
  return sha256(stringToBytes(buildBalanceAttestationText(attestation)))
}
