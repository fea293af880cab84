import { bytesToHex, hexToBytes, type Hex } from 'viem'
import {
  computeStateProofRoot,
  decodeStateProof,
  encodeStateProof,
  type StateProof,
  type StateProofRejectReason,
} from '../stateHash/index.ts'
import { stateHashOfRoot } from './exchangeStateHash.ts'

/**
 * Checks that `proof` proves the leaf (key, value) of the exchange state whose state hash is
 * `stateHash` (`0x` hex, as `/status` and root attestations carry it): the proof's root, hashed
 * with the exchange's domain tag, must be that state hash. `value` is the leaf's value text
 * (`stateLeaves.ts`), `undefined` for "no leaf" (a zero balance, a closed order). `proof` may be
 * the wire bytes as `0x` hex. Pure and never throws; a few dozen SHA-256 at most.
 *
 * @example
 * const [key, value] = balanceLeaf(address, 'USDT', { available, locked })
 * verifyExchangeStateProof({ key, value, proof: answer.proof, stateHash: root.stateHash })
 */
export function verifyExchangeStateProof(parameters: {
  readonly key: string
  readonly value: string | undefined
  readonly proof: StateProof | string
  readonly stateHash: string
}): { ok: true } | { ok: false; reason: StateProofRejectReason } {
  const proof =
    typeof parameters.proof === 'string' ? decodeProofHex(parameters.proof) : parameters.proof
  if (proof === undefined) return { ok: false, reason: 'malformed' }
  const computed = computeStateProofRoot(parameters.key, parameters.value, proof)
  if (!computed.ok) return computed
  const matches = stateHashOfRoot(computed.root) === parameters.stateHash.toLowerCase()
  return matches ? { ok: true } : { ok: false, reason: 'root_mismatch' }
}

/** The wire form of a proof in JSON answers: its bytes (`encodeStateProof`) as `0x` hex. */
export function decodeProofHex(text: string): StateProof | undefined {
  if (!/^0x(?:[0-9a-f]{2})*$/.test(text)) return undefined
  return decodeStateProof(hexToBytes(text as Hex))
}

/** A proof's wire bytes (`encodeStateProof`) as `0x` hex, the form JSON answers carry. */
export function encodeProofHex(proof: StateProof): Hex {
  return bytesToHex(encodeStateProof(proof))
}
