import { Sha256PairBatch, sha256Bytes, sha256Into } from './sha256.ts'

/**
 * Buckets of the tree: 2^18, chosen by the first 18 bits of sha256(key). About four leaves per
 * bucket at 1M keys, so a proof is mostly its 18 siblings: under 1 KB on average, absence
 * included (`docs/state-commitment.md`: sizes and costs at 16, 18 and 20 bits).
 */
export const stateTreeDepth = 18
export const stateTreeBuckets = 1 << stateTreeDepth

/**
 * What a leaf's `hashLeaf` result (its bucket and digest) depends on, as storage records it
 * beside the leaves it keeps: a store whose leaves were kept under another format forgets them
 * (each row's leaf is hashed again from its value). The bucket bits follow `stateTreeDepth`;
 * the leaf number changes with `leafDigest`'s definition.
 */
export const stateLeafFormat = `leaf 1, ${stateTreeDepth}-bit buckets`

const encoder = new TextEncoder()
const zero = new Uint8Array(32)

/**
 * A bucket's leaves, flat: key, digest, key, digest… (a digest is its 32 bytes as a latin1
 * string, which sorts bytewise). About four leaves a bucket at 1M keys, so a scan is cheaper
 * than a lookup in a map of every key, which also cost a cache miss per changed key and a
 * bucket's worth of them per bucket hash.
 */
type BucketLeaves = string[]
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
  private leafCount = 0
  /**
   * Per bucket, its leaves (`BucketLeaves`), in pages of 2^10 buckets made when first used: an
   * array of all of them costs milliseconds to make, and a tree is made for every state sync
   * and test.
   */
  private readonly bucketPages: ((BucketLeaves | undefined)[] | undefined)[] = new Array(
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
  /** Buckets changed since the last root: a flag per bucket, and the flagged ones in a list. */
  private readonly dirtyFlags = new Uint8Array(stateTreeBuckets)
  private dirty: number[] = []

  /** Number of leaves held. */
  get size(): number {
    return this.leafCount
  }

  /** Sets the leaf of `key` to `value`, or removes it (`undefined`). */
  set(key: string, value: string | undefined): void {
    let known = leafMemo.get(key)
    if (known !== undefined && known.value !== undefined) {
      // Taken: the memo keeps the bucket only, not a value the tree holds now.
      const { value: hashedValue, digest } = known
      known.value = known.digest = undefined
      heldValues--
      if (hashedValue === value) {
        this.put(key, known.bucket, digest!)
        return
      }
    }
    const keyLength = leafHasher.encodeKey(key)
    known ??= knownLeaf(key, keyLength)
    if (value === undefined) this.remove(key, known.bucket)
    else this.put(key, known.bucket, toLatin1(leafHasher.digest(keyLength, value)))
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
    const page = (this.bucketPages[bucket >>> bucketPageBits] ??= new Array(bucketPageSize))
    const slot = bucket & (bucketPageSize - 1)
    const leaves = page[slot]
    if (leaves === undefined) {
      page[slot] = [key, digest]
    } else {
      let at = 0
      while (at < leaves.length && leaves[at] !== key) at += 2
      if (at < leaves.length) {
        if (leaves[at + 1] === digest) return
        leaves[at + 1] = digest
        this.markDirty(bucket)
        return
      }
      leaves.push(key, digest)
    }
    this.leafCount++
    this.markDirty(bucket)
  }

  private remove(key: string, bucket: number): void {
    const page = this.bucketPages[bucket >>> bucketPageBits]
    const slot = bucket & (bucketPageSize - 1)
    const leaves = page?.[slot]
    if (page === undefined || leaves === undefined) return
    let at = 0
    while (at < leaves.length && leaves[at] !== key) at += 2
    if (at === leaves.length) return
    if (leaves.length === 2) page[slot] = undefined
    else leaves.splice(at, 2)
    this.leafCount--
    this.markDirty(bucket)
  }

  private markDirty(bucket: number): void {
    if (this.dirtyFlags[bucket] === 1) return
    this.dirtyFlags[bucket] = 1
    this.dirty.push(bucket)
  }

  /** The root over every leaf set so far (32 bytes; all zero for an empty tree). */
  root(): Uint8Array {
    if (this.dirty.length > 0) this.update()
    return this.node(1)
  }

  /**
   * What a proof of `key` is made of (`stateProof.ts`), under `root()`: its bucket, the bucket's
   * leaves (key and digest, in no order) and the 18 sibling hashes from the bucket level up.
   */
  proof(key: string): StateTreePath {
    if (this.dirty.length > 0) this.update()
    const bucket = bucketOf(encoder.encode(key))
    const flat = this.leavesOf(bucket) ?? []
    const leaves: (readonly [string, Uint8Array])[] = []
    for (let at = 0; at < flat.length; at += 2) leaves.push([flat[at]!, fromLatin1(flat[at + 1]!)])
    const siblings: Uint8Array[] = []
    for (let node = stateTreeBuckets + bucket; node > 1; node >>>= 1) {
      siblings.push(this.node(node ^ 1))
    }
    return { bucket, leaves, siblings }
  }

  private update(): void {
    const dirty = this.dirty
    this.dirty = []
    for (const bucket of dirty) {
      this.dirtyFlags[bucket] = 0
      this.hashBucket(bucket)
    }
    if (dirty.length > stateTreeBuckets / 2) {
      // Most buckets changed (a build from scratch): nearly every node above them did too, and
      // one pass over all of them, level by level, costs less than tracking which.
      for (let width = stateTreeBuckets >>> 1; width >= 1; width >>>= 1) {
        for (let node = width; node < 2 * width; node++) this.hashNode(node)
        pairBatch.flush()
      }
      return
    }
    // The changed nodes of one level, ascending: their parents come out ascending too, so a
    // parent shared by two of them is dropped by comparing neighbours, in place.
    let level = new Int32Array(dirty.length)
    for (let i = 0; i < dirty.length; i++) level[i] = stateTreeBuckets + dirty[i]!
    level.sort()
    while (level[0]! > 1) {
      let count = 0
      for (let i = 0; i < level.length; i++) {
        const parent = level[i]! >>> 1
        if (count === 0 || level[count - 1] !== parent) level[count++] = parent
      }
      level = level.subarray(0, count)
      for (let i = 0; i < count; i++) this.hashNode(level[i]!)
      pairBatch.flush()
    }
  }

  /**
   * Sets an inner node from its two children: sha256(left ‖ right), queued in `pairBatch` (the
   * caller flushes it once per level), or zero over two zeros.
   */
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
    if (!empty) pairBatch.add(children!, left, this.nodePage(node), nodeOffset(node))
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

  private leavesOf(bucket: number): BucketLeaves | undefined {
    return this.bucketPages[bucket >>> bucketPageBits]?.[bucket & (bucketPageSize - 1)]
  }

  /** Sets a bucket's node: the hash of its sorted leaf digests, or zero when it has none. */
  private hashBucket(bucket: number): void {
    const node = stateTreeBuckets + bucket
    const leaves = this.leavesOf(bucket)
    if (leaves === undefined) {
      this.nodePages[node >>> nodePageBits]?.set(zero, nodeOffset(node))
      return
    }
    // The digests are 32 bytes: one leaf and its padding are a single block.
    const count = leaves.length >>> 1
    sha256Into(bucketInput.of(leaves), 0, 32 * count, this.nodePage(node), nodeOffset(node))
  }
}

/**
 * The input of a bucket hash: its leaf digests sorted bytewise, concatenated, in one reused
 * buffer. Synchronous and never reentered, so one serves every tree.
 */
class BucketInput {
  private bytes = new Uint8Array(32 * 64)
  private readonly sorted: string[] = []

  /** The sorted digests of `leaves` (`BucketLeaves`), joined from byte 0. */
  of(leaves: BucketLeaves): Uint8Array {
    const count = leaves.length >>> 1
    if (32 * count > this.bytes.length) this.bytes = new Uint8Array(64 * count)
    // Insertion sort: a bucket holds a few leaves, and `Array.sort` costs a call per compare.
    const sorted = this.sorted
    for (let i = 0; i < count; i++) {
      const digest = leaves[2 * i + 1]!
      let at = i
      while (at > 0 && sorted[at - 1]! > digest) {
        sorted[at] = sorted[at - 1]!
        at--
      }
      sorted[at] = digest
    }
    const bytes = this.bytes
    for (let i = 0, at = 0; i < count; i++) {
      const digest = sorted[i]!
      for (let j = 0; j < 32; j++) bytes[at++] = digest.charCodeAt(j)
    }
    return bytes
  }
}

const bucketInput = new BucketInput()
/** The inner nodes of the level being hashed: synchronous, so one serves every tree. */
const pairBatch = new Sha256PairBatch()

/** A leaf's bucket and digest (`docs/state-hash.md`), as storage keeps them beside its value. */
export interface HashedLeaf {
  readonly bucket: number
  readonly digest: Uint8Array
}

/**
 * The bucket and digest of the leaf (key, value), as `StateTree.set` computes them. Storage
 * calls it for each leaf it writes, and a tree sets the same leaf at its next root: the result
 * is remembered until a tree takes it (`leafMemo`), so each changed leaf is hashed once.
 */
export function hashLeaf(key: string, value: string): HashedLeaf {
  if (heldValues >= heldValuesMax) forgetLeaves()
  const keyLength = leafHasher.encodeKey(key)
  const known = knownLeaf(key, keyLength)
  const digest = leafHasher.digest(keyLength, value)
  if (known.value === undefined) heldValues++
  known.value = value
  known.digest = toLatin1(digest)
  return { bucket: known.bucket, digest: digest.slice() }
}

/**
 * What the memo knows of a key: its bucket (which never changes), and the value `hashLeaf`
 * last hashed with its digest until a tree takes them.
 */
interface KnownLeaf {
  readonly bucket: number
  value: string | undefined
  digest: string | undefined
}

/**
 * Keys hashed lately: a memo of pure functions, shared by every tree (equal leaves hash alike).
 * The same balances and nonce windows change batch after batch, so a lookup replaces the
 * SHA-256 of the key (a fifth of `hashLeaf`'s time), and a tree that sets a leaf `hashLeaf`
 * hashed takes its digest instead of hashing again. Bounded: cleared when full, which only
 * costs a rehash.
 */
const leafMemo = new Map<string, KnownLeaf>()
/** About 10 MB of keys and entries. */
const leafMemoMax = 65_536
/** Entries holding a value not taken yet, and how many may: the memo is cleared first. */
let heldValues = 0
/**
 * Three leaves per transfer at 10,000 transfers/s for the second between two state hashes: a
 * few MB of heap with short nonce windows, at most about 60 MB when every value is a full one.
 */
const heldValuesMax = 30_000

/** The memo's entry for `key` (`keyLength` bytes, encoded last), made if missing. */
function knownLeaf(key: string, keyLength: number): KnownLeaf {
  let known = leafMemo.get(key)
  if (known === undefined) {
    if (leafMemo.size >= leafMemoMax) forgetLeaves()
    known = { bucket: leafHasher.bucketOf(keyLength), value: undefined, digest: undefined }
    leafMemo.set(key, known)
  }
  return known
}

function forgetLeaves(): void {
  leafMemo.clear()
  heldValues = 0
}

/**
 * Encodes leaves into one reused buffer and hashes them: the hot path of every changed key, so
 * no array per call. One per module: hashing is synchronous and never reentered.
 */
class LeafHasher {
  /** Reused input: u32be(len(key)) ‖ key ‖ value. */
  private scratch = new Uint8Array(1024)
  /** Reused output: the digest last computed. */
  private readonly output = new Uint8Array(32)

  /** Encodes u32be(len(key)) ‖ key and returns its length in bytes (for `bucketOf`, `digest`). */
  encodeKey(key: string): number {
    const keyLength = this.encode(key, 4)
    const input = this.scratch
    // u32be(len(key)), byte by byte: a DataView per call was a measurable share of a full build.
    input[0] = keyLength >>> 24
    input[1] = (keyLength >>> 16) & 0xff
    input[2] = (keyLength >>> 8) & 0xff
    input[3] = keyLength & 0xff
    return keyLength
  }

  /** The bucket of the key `encodeKey` last encoded (`keyLength` bytes). */
  bucketOf(keyLength: number): number {
    sha256Into(this.scratch, 4, keyLength, this.output, 0)
    return bucketOfDigest(this.output)
  }

  /** The leaf digest of the key `encodeKey` last encoded (`keyLength` bytes) with `value`. */
  digest(keyLength: number, value: string): Uint8Array {
    const length = 4 + keyLength + this.encode(value, 4 + keyLength)
    sha256Into(this.scratch, 0, length, this.output, 0)
    return this.output
  }

  /** Writes `text` as UTF-8 at `offset` of the scratch buffer (growing it); its byte length. */
  private encode(text: string, offset: number): number {
    if (offset + 3 * text.length > this.scratch.length) {
      const grown = new Uint8Array(2 * (offset + 3 * text.length))
      grown.set(this.scratch.subarray(0, offset))
      this.scratch = grown
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
