import { hexToBytes, sha256, stringToBytes, type Hex } from 'viem'
import type { BlsVerifier } from './blsVerifier.ts'
import { blsPublicKeyText, blsSignatureText, type RegistryMember } from './rootAttestation.ts'

/** First line of the text whose hash a registry key signs to prove it holds its secret key. */
const proofOfPossessionDomain = 'zellular-orderbook/bls-proof-of-possession/v1'

/**
 * The 32-byte message a registry key signs as its proof of possession: sha256 of the UTF-8 text
 * `proofOfPossessionDomain`, a line break, and the key as lower-case `0x` hex. Its first line
 * differs from every statement a replica signs (root and balance attestations), so no replica
 * can be made to sign another key's proof.
 */
export function proofOfPossessionDigest(publicKey: string): Hex {
  return sha256(stringToBytes(`${proofOfPossessionDomain}\n${publicKey.toLowerCase()}`))
}

/** Proofs already verified (`key proof`): a verified proof is a fact, whichever backend said so. */
const proven = new Set<string>()
const provenMax = 1024

/**
 * The first of `members` whose proof of possession does not verify, or undefined when every one
 * does. A rogue key (chosen as another key's negation plus a key of one's own) cannot sign its
 * own proof, and without that it could cancel honest keys out of a sum of keys: this is what
 * makes a same-message aggregate (`BlsVerifier.fastAggregateVerify`) sound. The proofs of all
 * not yet verified are checked in one aggregate verification (their messages differ, one per
 * key); only when it fails is each checked alone, to name one.
 */
export function unprovenMember<member extends RegistryMember>(
  members: readonly member[],
  bls: BlsVerifier,
): member | undefined {
  const malformed = members.find(
    (member) =>
      !blsPublicKeyText.safeParse(member.blsPublicKey).success ||
      !blsSignatureText.safeParse(member.blsProofOfPossession).success,
  )
  if (malformed !== undefined) return malformed
  const unchecked = [
    ...new Map(members.map((member) => [provenKey(member), member])).values(),
  ].filter((member) => !proven.has(provenKey(member)))
  if (unchecked.length === 0) return undefined
  const keys = unchecked.map((member) => hexToBytes(member.blsPublicKey as Hex))
  const messages = unchecked.map((member) =>
    hexToBytes(proofOfPossessionDigest(member.blsPublicKey)),
  )
  const proofs = unchecked.map((member) => hexToBytes(member.blsProofOfPossession as Hex))
  const allVerify = bls.verifyAggregate(keys, messages, proofs)
  for (const [position, member] of unchecked.entries()) {
    if (!allVerify && !bls.verify(keys[position]!, messages[position]!, proofs[position]!)) {
      return member
    }
    if (proven.size >= provenMax) proven.delete(proven.values().next().value!)
    proven.add(provenKey(member))
  }
  return undefined
}

const provenKey = (member: RegistryMember) =>
  `${member.blsPublicKey} ${member.blsProofOfPossession}`
