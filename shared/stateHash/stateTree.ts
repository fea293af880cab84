import { sha256Bytes } from './sha256.ts'
import { sha256Of32Into, sha256PairInto } from './sha256Pair.ts'

/**
 * Buckets of the tree: 2^18, chosen by the first 18 bits of sha256(key). About four leaves per
 * bucket at 1M keys, so a proof is mostly its 18 siblings: under 1 KB on average, absence
 * included (`docs/state-commitment.md`: sizes and costs at 16, 18 and 20 bits).
 */
export const stateTreeDepth = 18
export const stateTreeBuckets = 1 << stateTreeDepth

const encoder = new TextEncoder()
const zero = new Uint8Array(32)

/** The keys of a bucket's leaves: one key, or an array of two or more. */
type BucketKeys = string | string[]
const bucketPageBits = 10
const bucketPageSize = 1 << bucketPageBits
const nodePageBits = 8

/** Where a node's 32 bytes start in its page. */
function nodeOffset(node: number): number {
  return (node & ((1 << nodePageBits) - 1)) << 5
}

/**
 * A set of (key, value) leaves with a Merkle root that costs O(changed keys) to bring up to
 * date: the byte-level definition is in `docs/state-hash.md`.
 *
 * - leaf digest = sha256(u32be(len(key)) ‖ key ‖ value), key and value UTF-8;
 * - bucket of a key = the first 18 bits of sha256(key), big-endian (0 … 262,143);
 * - bucket hash = sha256 of its leaf digests sorted bytewise and concatenated; 32 zero bytes
 *   for an empty bucket;
 * - a binary Merkle tree over the 2^18 bucket hashes in bucket order: a node is
 *   sha256(left ‖ right), or 32 zero bytes when both children are (so an empty tree costs
 *   nothing to build); the root is the top node.
 *
 * `set` records a leaf and marks its bucket dirty (`setHashed` does so with the bucket and digest
 * an earlier `hashLeaf` gave, which storage keeps, without hashing); `root` rehashes only the
 * dirty buckets and their paths to the root (18 nodes each, fewer where paths meet). Leaf order
 * of insertion never matters: equal sets give equal roots. Pure: no I/O, no clock.
 */
export class StateTree {
  /** Every leaf's digest by key (a 32-character latin1 string, which sorts bytewise). */
  private readonly digests = new Map<string, string>()
  /**
   * Per bucket, the keys of its leaves: the key itself when it holds one (no collection for
   * the many buckets of one leaf), an array when more. In pages of 2^10 buckets made when first
   * used: an array of all of them costs milliseconds to make, and a tree is made for every state
   * sync and test.
   */
  private readonly bucketPages: ((BucketKeys | undefined)[] | undefined)[] = new Array(
    stateTreeBuckets >>> bucketPageBits,
  )
  /**
   * The nodes, heap layout (node 1 is the root, nodes 2^18 … 2^19 − 1 the bucket hashes), in
   * pages of 2^8 nodes (8 KB) made when a non-zero node is first written, so a small tree holds
   * its paths only, not 16 MB. A node's two children are in one page (2n is even).
   */
  private readonly nodePages: (Uint8Array | undefined)[] = new Array(
    (2 * stateTreeBuckets) >>> nodePageBits,
  )
  private readonly dirty = new Set<number>()
  /** Reused input of a bucket hash: its leaf digests, sorted; views of it by leaf count. */
  private joined = new Uint8Array(32 * 64)
  private joinedViews: (Uint8Array | undefined)[] = []

  /** Number of leaves held. */
  get size(): number {
    return this.digests.size
  }

  /** Sets the leaf of `key` to `value`, or removes it (`undefined`). */
  set(key: string, value: string | undefined): void {
    const recent = recentLeaves.get(key)
    if (recent !== undefined) {
      recentLeaves.delete(key)
      if (recent.value === value) {
        this.put(key, recent.bucket, recent.digest)
        return
      }
    }
    const keyLength = leafHasher.hashKey(key)
    const bucket = leafHasher.bucket
    if (value === undefined) {
      if (!this.digests.delete(key)) return
      this.removeKey(bucket, key)
      this.dirty.add(bucket)
      return
    }
    this.put(key, bucket, toLatin1(leafHasher.digest(keyLength, value)))
  }

  /**
   * Sets the leaf of `key` from its bucket and digest as `hashLeaf` made them (the digest as
   * 64 hex digits, either case), without hashing: for a tree rebuilt from what storage kept
   * beside each value. Trusts that they are of `key` and its value; a wrong one gives a wrong
   * root, which only rebuilding from the values would show.
   */
  setHashed(key: string, bucket: number, digestHex: string): void {
    if (!(bucket >= 0 && bucket < stateTreeBuckets && Number.isInteger(bucket))) {
      throw new RangeError(`leaf ${key}: bucket ${bucket}`)
    }
    this.put(key, bucket, latin1OfHex(digestHex))
  }

  private put(key: string, bucket: number, digest: string): void {
    const previous = this.digests.get(key)
    if (previous === digest) return
    this.digests.set(key, digest)
    if (previous === undefined) this.addKey(bucket, key)
    this.dirty.add(bucket)
  }

  private addKey(bucket: number, key: string): void {
    const page = (this.bucketPages[bucket >>> bucketPageBits] ??= new Array(bucketPageSize))
    const slot = bucket & (bucketPageSize - 1)
    const keys = page[slot]
    if (keys === undefined) page[slot] = key
    else if (typeof keys === 'string') page[slot] = [keys, key]
    else keys.push(key)
  }

  private removeKey(bucket: number, key: string): void {
    const page = this.bucketPages[bucket >>> bucketPageBits]
    const slot = bucket & (bucketPageSize - 1)
    const keys = page?.[slot]
    if (page === undefined || keys === undefined) return
    if (typeof keys === 'string') {
      if (keys === key) page[slot] = undefined
      return
    }
    const rest = keys.filter((other) => other !== key)
    page[slot] = rest.length === 1 ? rest[0] : rest
  }

  /** The root over every leaf set so far (32 bytes; all zero for an empty tree). */
  root(): Uint8Array {
    if (this.dirty.size > 0) this.update()
    return this.node(1)
  }

  /**
   * What a proof of `key` is made of (`stateProof.ts`), under `root()`: its bucket, the bucket's
   * leaves (key and digest, in no order) and the 18 sibling hashes from the bucket level up.
   */
  proof(key: string): StateTreePath {
    if (this.dirty.size > 0) this.update()
    const bucket = bucketOf(encoder.encode(key))
    const keys = this.keysOf(bucket)
    const leaves = (keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys).map(
      (leafKey) => [leafKey, fromLatin1(this.digests.get(leafKey)!)] as const,
    )
    const siblings: Uint8Array[] = []
    for (let node = stateTreeBuckets + bucket; node > 1; node >>>= 1) {
      siblings.push(this.node(node ^ 1))
    }
    return { bucket, leaves, siblings }
  }

  private update(): void {
    const sweep = this.dirty.size > stateTreeBuckets / 2
    for (const bucket of this.dirty) this.hashBucket(bucket)
    if (sweep) {
      this.dirty.clear()
      // Most buckets changed (a build from scratch): nearly every node above them did too, and
      // one pass over all of them, children before parents, costs less than tracking which.
      for (let node = stateTreeBuckets - 1; node >= 1; node--) this.hashNode(node)
      return
    }
    // The changed nodes of one level, ascending: their parents come out ascending too, so a
    // parent shared by two of them is dropped by comparing neighbours, in place.
    let level = Int32Array.from(this.dirty, (bucket) => stateTreeBuckets + bucket).sort()
    this.dirty.clear()
    while (level[0]! > 1) {
      let count = 0
      for (let i = 0; i < level.length; i++) {
        const parent = level[i]! >>> 1
        if (count === 0 || level[count - 1] !== parent) level[count++] = parent
      }
      level = level.subarray(0, count)
      for (let i = 0; i < count; i++) this.hashNode(level[i]!)
    }
  }

  /** Sets an inner node from its two children: sha256(left ‖ right), or zero over two zeros. */
  private hashNode(node: number): void {
    const children = this.nodePages[(2 * node) >>> nodePageBits]
    const left = nodeOffset(2 * node)
    let empty = true
    if (children !== undefined) {
      for (let i = left; i < left + 64; i++) {
        if (children[i] !== 0) {
          empty = false
          break
        }
      }
    }
    if (!empty) sha256PairInto(children!, left, this.nodePage(node), nodeOffset(node))
    else this.nodePages[node >>> nodePageBits]?.set(zero, nodeOffset(node))
  }

  /** A copy of a node's 32 bytes (zero when its page was never written). */
  private node(node: number): Uint8Array {
    const page = this.nodePages[node >>> nodePageBits]
    if (page === undefined) return new Uint8Array(32)
    return page.slice(nodeOffset(node), nodeOffset(node) + 32)
  }

  /** The page holding `node`, made (all zero) if missing. */
  private nodePage(node: number): Uint8Array {
    return (this.nodePages[node >>> nodePageBits] ??= new Uint8Array(32 << nodePageBits))
  }

  private keysOf(bucket: number): BucketKeys | undefined {
    return this.bucketPages[bucket >>> bucketPageBits]?.[bucket & (bucketPageSize - 1)]
  }

  /** Sets a bucket's node: the hash of its sorted leaf digests, or zero when it has none. */
  private hashBucket(bucket: number): void {
    const node = stateTreeBuckets + bucket
    const keys = this.keysOf(bucket)
    if (keys === undefined) {
      this.nodePages[node >>> nodePageBits]?.set(zero, nodeOffset(node))
      return
    }
    if (typeof keys === 'string') {
      // A bucket of one leaf: its digest and padding are one block, hashed in place.
      const digest = this.digests.get(keys)!
      for (let i = 0; i < 32; i++) this.joined[i] = digest.charCodeAt(i)
      sha256Of32Into(this.joined, 0, this.nodePage(node), nodeOffset(node))
      return
    }
    const count = keys.length
    if (32 * count > this.joined.length) {
      this.joined = new Uint8Array(64 * count)
      this.joinedViews = []
    }
    const joined = this.joined
    let at = 0
    for (const digest of keys.map((key) => this.digests.get(key)!).sort()) {
      for (let i = 0; i < 32; i++) joined[at++] = digest.charCodeAt(i)
    }
    const hash = sha256Bytes((this.joinedViews[count] ??= joined.subarray(0, 32 * count)))
    this.nodePage(node).set(hash, nodeOffset(node))
  }
}

/** A leaf's bucket and digest (`docs/state-hash.md`), as storage keeps them beside its value. */
export interface HashedLeaf {
  readonly bucket: number
  readonly digest: Uint8Array
}

/**
 * The bucket and digest of the leaf (key, value), as `StateTree.set` computes them. Storage
 * calls it for each leaf it writes, and a tree sets the same leaf at its next root: the result
 * is remembered until a tree takes it (`recentLeaves`), so each changed leaf is hashed once.
 */
export function hashLeaf(key: string, value: string): HashedLeaf {
  const keyLength = leafHasher.hashKey(key)
  const bucket = leafHasher.bucket
  const digest = leafHasher.digest(keyLength, value)
  if (recentLeaves.size >= recentLeavesMax) recentLeaves.clear()
  recentLeaves.set(key, { value, bucket, digest: toLatin1(digest) })
  return { bucket, digest }
}

/**
 * Leaves `hashLeaf` hashed that no tree has set since, by key: a memo of a pure function, so a
 * tree that sets one with the same value (any tree: equal leaves hash alike) takes its bucket
 * and digest instead of hashing again. Bounded: cleared when full, which only costs a rehash.
 */
const recentLeaves = new Map<string, { value: string; bucket: number; digest: string }>()
/**
 * Three leaves per transfer at 10,000 transfers/s for the second between two state hashes: a
 * few MB of heap with short nonce windows, at most about 60 MB when every value is a full one.
 */
const recentLeavesMax = 30_000
/** About 10 MB of keys and map entries at most. */
const knownBucketsMax = 65_536

/**
 * Encodes leaves into one reused buffer and hashes them: the hot path of every changed key, so
 * no array per call. One per module: hashing is synchronous and never reentered.
 */
class LeafHasher {
  /** The bucket of the key last given to `hashKey`. */
  bucket = 0
  /**
   * Buckets of keys hashed lately: a key's bucket never changes, and the same balances and
   * nonce windows change batch after batch, so a lookup replaces a SHA-256 (a fifth of
   * `hashLeaf`'s time). Bounded: cleared when full, which only costs a rehash.
   */
  private readonly knownBuckets = new Map<string, number>()
  /** Reused input: u32be(len(key)) ‖ key ‖ value. */
  private scratch = new Uint8Array(1024)
  /**
   * Views of `scratch` by length: of the key (from byte 4) and of the whole input (from byte 0).
   * A typed array view costs more to make than the rest of a key's bookkeeping, and keys and
   * leaves come in few lengths.
   */
  private keyViews: (Uint8Array | undefined)[] = []
  private inputViews: (Uint8Array | undefined)[] = []

  /** Encodes `key`, sets `bucket` to its bucket and returns its length in bytes (for `digest`). */
  hashKey(key: string): number {
    const keyLength = this.encode(key, 4)
    const input = this.scratch
    // u32be(len(key)), byte by byte: a DataView per call was a measurable share of a full build.
    input[0] = keyLength >>> 24
    input[1] = (keyLength >>> 16) & 0xff
    input[2] = (keyLength >>> 8) & 0xff
    input[3] = keyLength & 0xff
    const known = this.knownBuckets.get(key)
    if (known !== undefined) {
      this.bucket = known
      return keyLength
    }
    const keyDigest = sha256Bytes((this.keyViews[keyLength] ??= input.subarray(4, 4 + keyLength)))
    this.bucket = bucketOfDigest(keyDigest)
    if (this.knownBuckets.size >= knownBucketsMax) this.knownBuckets.clear()
    this.knownBuckets.set(key, this.bucket)
    return keyLength
  }

  /** The leaf digest of the key `hashKey` last encoded (`keyLength` bytes) with `value`. */
  digest(keyLength: number, value: string): Uint8Array {
    const length = 4 + keyLength + this.encode(value, 4 + keyLength)
    return sha256Bytes((this.inputViews[length] ??= this.scratch.subarray(0, length)))
  }

  /** Writes `text` as UTF-8 at `offset` of the scratch buffer (growing it); its byte length. */
  private encode(text: string, offset: number): number {
    if (offset + 3 * text.length > this.scratch.length) {
      const grown = new Uint8Array(2 * (offset + 3 * text.length))
      grown.set(this.scratch.subarray(0, offset))
      this.scratch = grown
      this.keyViews = []
      this.inputViews = []
    }
    const scratch = this.scratch
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code >= 0x80) return encoder.encodeInto(text, scratch.subarray(offset)).written
      scratch[offset + i] = code
    }
    return text.length
  }
}

const leafHasher = new LeafHasher()

/** A key's bucket, its leaves and its 18 siblings (bucket level first); see `StateTree.proof`. */
export interface StateTreePath {
  readonly bucket: number
  readonly leaves: readonly (readonly [key: string, digest: Uint8Array])[]
  readonly siblings: readonly Uint8Array[]
}

/** sha256(u32be(len(key)) ‖ key ‖ value). */
export function leafDigest(key: Uint8Array, value: Uint8Array): Uint8Array {
  const input = new Uint8Array(4 + key.length + value.length)
  new DataView(input.buffer).setUint32(0, key.length)
  input.set(key, 4)
  input.set(value, 4 + key.length)
  return sha256Bytes(input)
}

/** The bucket of a key: the first 18 bits of sha256(key), big-endian. */
export function bucketOf(key: Uint8Array): number {
  return bucketOfDigest(sha256Bytes(key))
}

/** The first `stateTreeDepth` (at most 24) bits of a key's digest, big-endian. */
function bucketOfDigest(digest: Uint8Array): number {
  return ((digest[0]! << 16) | (digest[1]! << 8) | digest[2]!) >>> (24 - stateTreeDepth)
}

/** One flat one-byte string (not a chain of concatenations, which GC and `charCodeAt` pay for). */
function toLatin1(b: Uint8Array): string {
  // Named arguments, not `apply` over the array: spreading a typed array into arguments costs
  // more than the rest of a leaf's bookkeeping.
  return String.fromCharCode(
    b[0]!,
    b[1]!,
    b[2]!,
    b[3]!,
    b[4]!,
    b[5]!,
    b[6]!,
    b[7]!,
    b[8]!,
    b[9]!,
    b[10]!,
    b[11]!,
    b[12]!,
    b[13]!,
    b[14]!,
    b[15]!,
    b[16]!,
    b[17]!,
    b[18]!,
    b[19]!,
    b[20]!,
    b[21]!,
    b[22]!,
    b[23]!,
    b[24]!,
    b[25]!,
    b[26]!,
    b[27]!,
    b[28]!,
    b[29]!,
    b[30]!,
    b[31]!,
  )
}

function fromLatin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes
}

/** Nibble of each hex digit's character code (both cases); -1 for any other character. */
const nibbles = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) {
  nibbles['0123456789abcdef'.charCodeAt(i)] = i
  nibbles['0123456789ABCDEF'.charCodeAt(i)] = i
}

const latin1Scratch = new Uint8Array(32)

/** A 32-byte digest written as 64 hex digits, as the tree keeps it (`toLatin1`). */
function latin1OfHex(hex: string): string {
  if (hex.length !== 64) throw new RangeError(`a leaf digest is 64 hex digits: "${hex}"`)
  const bytes = latin1Scratch
  for (let i = 0; i < 32; i++) {
    const high = nibbles[hex.charCodeAt(2 * i)] ?? -1
    const low = nibbles[hex.charCodeAt(2 * i + 1)] ?? -1
    if (high < 0 || low < 0) throw new RangeError(`a leaf digest is 64 hex digits: "${hex}"`)
    bytes[i] = (high << 4) | low
  }
  return toLatin1(bytes)
}
