import { sha256Bytes } from './sha256.ts'
import { bucketOf, leafDigest, stateTreeDepth, type StateTreePath } from './stateTree.ts'

/** First byte of an encoded proof; a new layout gets a new number (`docs/state-commitment.md`). */
export const stateProofVersion = 2

/** Most leaves one proof may list: far above any honest bucket (about 4 at 1M keys), so bounded. */
export const stateProofLeavesMax = 65_536

/**
 * A proof that a key has a value, or has no leaf, in the state tree of `docs/state-hash.md`.
 * The tree's bucket hash is over the sorted leaf digests of the bucket, so:
 *
 * - `present`: the digests of the bucket's other leaves. The verifier adds the digest of
 *   (key, value) itself, so a proof never carries the leaf it proves.
 * - `absent`: every leaf of the bucket as (key, value). A digest alone does not say whose key it
 *   is, so the verifier rehashes each leaf and checks that none is the key's.
 *
 * Then the 18 sibling hashes on the bucket's path, from the bucket level up. Built by
 * `buildStateProof`, checked by `verifyStateProof`; `encodeStateProof` gives the wire bytes.
 */
export interface StateProof {
  /** The key's bucket (0 … 2^18 − 1): the first 18 bits of sha256(key). */
  readonly bucket: number
  readonly leaves:
    | { readonly kind: 'present'; readonly others: readonly Uint8Array[] }
    | { readonly kind: 'absent'; readonly entries: readonly (readonly [string, string])[] }
  /** 18 hashes of 32 bytes, the bucket's sibling first; all-zero ones stand for empty subtrees. */
  readonly siblings: readonly Uint8Array[]
}

/** Why a proof does not prove (key, value) under a root. */
export type StateProofRejectReason =
  /** Not a well-formed proof: lengths, counts, order, trailing bytes, version. */
  | 'malformed'
  /** The proof is for another bucket than the key's. */
  | 'wrong_bucket'
  /** A presence proof for a claimed absence, or the other way round. */
  | 'wrong_kind'
  /** An absence proof that lists the key itself, or a leaf of another bucket. */
  | 'bad_bucket_leaves'
  /** Everything is well-formed but the path leads to another root. */
  | 'root_mismatch'

const encoder = new TextEncoder()
const zero = new Uint8Array(32)

/**
 * Makes the proof of `key` from its tree path (`StateTree.proof`). `value` is the key's value
 * in that tree, `undefined` when it has no leaf; `valueOf` gives the value of another key of the
 * bucket (needed for an absence proof only). Returns undefined when those values are not the
 * tree's (the caller read them at another point than the tree was hashed at): such a proof
 * would not verify.
 */
export function buildStateProof(
  path: StateTreePath,
  key: string,
  value: string | undefined,
  valueOf: (key: string) => string | undefined,
): StateProof | undefined {
  const { bucket, siblings } = path
  if (value !== undefined) {
    const own = path.leaves.find(([leafKey]) => leafKey === key)
    if (own === undefined || !equalBytes(own[1], leafDigestOf(key, value))) return undefined
    const others = path.leaves.filter(([leafKey]) => leafKey !== key).map(([, digest]) => digest)
    return { bucket, leaves: { kind: 'present', others: others.sort(compareBytes) }, siblings }
  }
  const entries: { entry: readonly [string, string]; digest: Uint8Array }[] = []
  for (const [leafKey, digest] of path.leaves) {
    const leafValue = leafKey === key ? undefined : valueOf(leafKey)
    if (leafValue === undefined || !equalBytes(digest, leafDigestOf(leafKey, leafValue))) {
      return undefined
    }
    entries.push({ entry: [leafKey, leafValue], digest })
  }
  entries.sort((a, b) => compareBytes(a.digest, b.digest))
  const leaves = { kind: 'absent' as const, entries: entries.map(({ entry }) => entry) }
  return { bucket, leaves, siblings }
}

/**
 * The root a proof leads to for (key, value), `value` undefined for "no leaf", or why it leads
 * nowhere. Pure and cheap: one hash per leaf of an absence proof, one for the bucket, at most 18
 * for the path.
 */
export function computeStateProofRoot(
  key: string,
  value: string | undefined,
  proof: StateProof,
): { ok: true; root: Uint8Array } | { ok: false; reason: StateProofRejectReason } {
  const { siblings, leaves } = proof
  if (siblings.length !== stateTreeDepth || siblings.some((hash) => hash.length !== 32)) {
    return { ok: false, reason: 'malformed' }
  }
  const keyBytes = encoder.encode(key)
  if (proof.bucket !== bucketOf(keyBytes)) return { ok: false, reason: 'wrong_bucket' }
  let digests: Uint8Array[]
  if (leaves.kind === 'present') {
    if (value === undefined) return { ok: false, reason: 'wrong_kind' }
    if (leaves.others.some((digest) => digest.length !== 32)) {
      return { ok: false, reason: 'malformed' }
    }
    digests = [...leaves.others, leafDigest(keyBytes, encoder.encode(value))]
  } else {
    if (value !== undefined) return { ok: false, reason: 'wrong_kind' }
    digests = []
    for (const [leafKey, leafValue] of leaves.entries) {
      const leafKeyBytes = encoder.encode(leafKey)
      if (leafKey === key || bucketOf(leafKeyBytes) !== proof.bucket) {
        return { ok: false, reason: 'bad_bucket_leaves' }
      }
      digests.push(leafDigest(leafKeyBytes, encoder.encode(leafValue)))
    }
  }
  if (digests.length > stateProofLeavesMax) return { ok: false, reason: 'malformed' }
  digests.sort(compareBytes)
  for (let i = 1; i < digests.length; i++) {
    // Two equal leaves never sit in one bucket: a key has one leaf.
    if (compareBytes(digests[i - 1]!, digests[i]!) === 0) return { ok: false, reason: 'malformed' }
  }
  let node = digests.length === 0 ? zero : sha256Bytes(concat(digests))
  for (let height = 0; height < stateTreeDepth; height++) {
    const sibling = siblings[height]!
    const right = ((proof.bucket >>> height) & 1) === 1
    const pair = right ? concat([sibling, node]) : concat([node, sibling])
    node = isZero(pair) ? zero : sha256Bytes(pair)
  }
  return { ok: true, root: node }
}

/**
 * Checks that `proof` proves (key, value) under `root` (32 bytes): `value` is the leaf's value
 * text (`docs/state-hash.md`), `undefined` to check that the key has no leaf. Never throws.
 *
 * @example
 * verifyStateProof({ key: 'balance 0xab… USDT', value: '100 0', proof, root }) // { ok: true }
 */
export function verifyStateProof(parameters: {
  readonly key: string
  readonly value: string | undefined
  readonly proof: StateProof
  readonly root: Uint8Array
}): { ok: true } | { ok: false; reason: StateProofRejectReason } {
  const computed = computeStateProofRoot(parameters.key, parameters.value, parameters.proof)
  if (!computed.ok) return computed
  return equalBytes(computed.root, parameters.root)
    ? { ok: true }
    : { ok: false, reason: 'root_mismatch' }
}

/**
 * The wire bytes of a proof (`docs/state-commitment.md`, version 2):
 * `u8 version ‖ u8 kind (1 present, 0 absent) ‖ u32be bucket ‖ u32be zero-sibling mask ‖
 * u32be leaf count ‖ leaves ‖ non-zero siblings`. A present leaf is its 32-byte digest, an
 * absent-proof leaf `u32be len(key) ‖ key ‖ u32be len(value) ‖ value`; bit h of the mask set
 * means the sibling at height h is all zero and left out.
 */
export function encodeStateProof(proof: StateProof): Uint8Array {
  const parts: Uint8Array[] = []
  let mask = 0
  proof.siblings.forEach((sibling, height) => {
    if (isZero(sibling)) mask |= 1 << height
  })
  const { leaves } = proof
  const count = leaves.kind === 'present' ? leaves.others.length : leaves.entries.length
  const header = new Uint8Array(14)
  const view = new DataView(header.buffer)
  view.setUint8(0, stateProofVersion)
  view.setUint8(1, leaves.kind === 'present' ? 1 : 0)
  view.setUint32(2, proof.bucket)
  view.setUint32(6, mask)
  view.setUint32(10, count)
  parts.push(header)
  if (leaves.kind === 'present') parts.push(...leaves.others)
  else {
    for (const [key, value] of leaves.entries) parts.push(sized(key), sized(value))
  }
  parts.push(...proof.siblings.filter((sibling) => !isZero(sibling)))
  return concat(parts)
}

/**
 * Reads the wire bytes of `encodeStateProof`; undefined for anything else (another version,
 * counts past the end, trailing bytes, invalid UTF-8, over `stateProofLeavesMax` leaves).
 * Checking what the proof proves is `verifyStateProof`'s job.
 */
export function decodeStateProof(bytes: Uint8Array): StateProof | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 14 || view.getUint8(0) !== stateProofVersion) return undefined
  const kind = view.getUint8(1)
  const bucket = view.getUint32(2)
  const mask = view.getUint32(6)
  const count = view.getUint32(10)
  // A bucket or mask bit past the tree's 18 levels would be a second encoding of a proof.
  if (bucket >>> stateTreeDepth !== 0 || mask >>> stateTreeDepth !== 0) return undefined
  if (kind > 1 || count > stateProofLeavesMax) return undefined
  let at = 14
  const take = (length: number): Uint8Array | undefined => {
    if (at + length > bytes.length) return undefined
    at += length
    return bytes.slice(at - length, at)
  }
  const takeText = (): string | undefined => {
    const length = take(4)
    if (length === undefined) return undefined
    const text = take(new DataView(length.buffer).getUint32(0))
    if (text === undefined) return undefined
    try {
      return decoder.decode(text)
    } catch {
      return undefined
    }
  }
  let leaves: StateProof['leaves']
  if (kind === 1) {
    const others: Uint8Array[] = []
    for (let i = 0; i < count; i++) {
      const digest = take(32)
      if (digest === undefined) return undefined
      others.push(digest)
    }
    leaves = { kind: 'present', others }
  } else {
    const entries: [string, string][] = []
    for (let i = 0; i < count; i++) {
      const key = takeText()
      const value = key === undefined ? undefined : takeText()
      if (key === undefined || value === undefined) return undefined
      entries.push([key, value])
    }
    leaves = { kind: 'absent', entries }
  }
  const siblings: Uint8Array[] = []
  for (let height = 0; height < stateTreeDepth; height++) {
    const sibling = ((mask >>> height) & 1) === 1 ? zero : take(32)
    // An all-zero sibling is always sent as a mask bit: one encoding per proof.
    if (sibling === undefined || (sibling !== zero && isZero(sibling))) return undefined
    siblings.push(sibling)
  }
  return at === bytes.length ? { bucket, leaves, siblings } : undefined
}

function leafDigestOf(key: string, value: string): Uint8Array {
  return leafDigest(encoder.encode(key), encoder.encode(value))
}

function sized(text: string): Uint8Array {
  const bytes = encoder.encode(text)
  const out = new Uint8Array(4 + bytes.length)
  new DataView(out.buffer).setUint32(0, bytes.length)
  out.set(bytes, 4)
  return out
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false
  return true
}
