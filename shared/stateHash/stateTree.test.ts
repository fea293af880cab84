import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { bytesToHex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { initSha256 } from './sha256.ts'
import { hashLeaf, StateTree, stateTreeBuckets } from './stateTree.ts'
import { sharedBucketNonceKeys, sharedBucketOrderKeys, sharedBucketTarget } from './testing.ts'

const sha = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())
const utf8 = (text: string) => new TextEncoder().encode(text)

/** The root straight from the definition (docs/state-hash.md), with node's own SHA-256. */
function referenceRoot(leaves: ReadonlyMap<string, string>): Uint8Array {
  const buckets = new Map<number, Uint8Array[]>()
  for (const [key, value] of leaves) {
    const k = utf8(key)
    const digest = sha(k)
    const length = new Uint8Array(4)
    new DataView(length.buffer).setUint32(0, k.length)
    // The first 18 bits of sha256(key).
    const bucket = (digest[0]! << 10) | (digest[1]! << 2) | (digest[2]! >>> 6)
    const digests = buckets.get(bucket) ?? []
    buckets.set(bucket, [...digests, sha(concat(length, k, utf8(value)))])
  }
  // Level by level; a zero node (an empty bucket, or a node over two zero nodes) is left out.
  let level = new Map<number, Uint8Array>()
  buckets.forEach((digests, bucket) => {
    if (digests.length === 0) return
    digests.sort((a, b) => Buffer.compare(a, b))
    level.set(bucket, sha(concat(...digests)))
  })
  const zero = new Uint8Array(32)
  for (let width = 1 << 18; width > 1; width /= 2) {
    const next = new Map<number, Uint8Array>()
    for (const node of level.keys()) {
      const parent = node >>> 1
      if (next.has(parent)) continue
      const pair = concat(level.get(2 * parent) ?? zero, level.get(2 * parent + 1) ?? zero)
      next.set(parent, sha(pair))
    }
    level = next
  }
  return level.get(0) ?? zero
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

describe('StateTree (JavaScript SHA-256)', () => {
  it('is all zeros when empty, and again once every leaf is removed', () => {
    const tree = new StateTree()
    expect(tree.root()).toEqual(new Uint8Array(32))
    tree.set('balance 0xab USDT', '1 0')
    expect(tree.root()).not.toEqual(new Uint8Array(32))
    tree.set('balance 0xab USDT', undefined)
    expect(tree.root()).toEqual(new Uint8Array(32))
    expect(tree.size).toBe(0)
  })

  it('pins the test vector of docs/state-hash.md', () => {
    const tree = new StateTree()
    tree.set('issuer', '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf')
    tree.set('token USDT', '6')
    tree.set('balance 0x2b5ad5c4795c026514f8317c7a215e218dccd6cf USDT', '100000000 5000000')
    expect(bytesToHex(tree.root())).toBe(
      '0x97a1639409c3c7d01d91f888fdb6514ebaeb381aa82a98515fb1fe7db00ec289',
    )
  })

  itEqualsItsDefinition()

  it('refuses a kept digest that is not 64 hex digits, or a bucket out of range', () => {
    const tree = new StateTree()
    expect(() => tree.setHashed('a', 0, 'ab')).toThrow(RangeError)
    expect(() => tree.setHashed('a', 0, `${'0'.repeat(62)}g0`)).toThrow(RangeError)
    expect(() => tree.setHashed('a', stateTreeBuckets, '0'.repeat(64))).toThrow(RangeError)
    expect(() => tree.setHashed('a', -1, '0'.repeat(64))).toThrow(RangeError)
  })
})

describe('StateTree with WebAssembly SHA-256', () => {
  beforeAll(() => initSha256())

  itEqualsItsDefinition()

  it('tells apart a key and a value split differently (the key length is hashed)', () => {
    const a = new StateTree()
    a.set('ab', 'c')
    const b = new StateTree()
    b.set('a', 'bc')
    expect(a.root()).not.toEqual(b.root())
  })
})

/** The tree against its definition, with whichever SHA-256 kernel is loaded when they run. */
function itEqualsItsDefinition() {
  it('equals the root built from its definition after any sequence of sets, in any order', () => {
    // 13 of the keys share one bucket, so buckets gain and lose leaves from one to several.
    const keys = fc.constantFrom(
      ...Array.from({ length: 40 }, (_, i) => `key ${i}`),
      sharedBucketTarget,
      ...sharedBucketOrderKeys,
      ...sharedBucketNonceKeys,
    )
    const value = fc.option(fc.string({ maxLength: 20 }), { nil: undefined })
    fc.assert(
      fc.property(fc.array(fc.array(fc.tuple(keys, value), { maxLength: 12 })), (rounds) => {
        const tree = new StateTree()
        const leaves = new Map<string, string>()
        for (const round of rounds) {
          for (const [key, v] of round) {
            tree.set(key, v)
            if (v === undefined) leaves.delete(key)
            else leaves.set(key, v)
          }
          // A root between rounds: only the buckets changed since are rehashed.
          expect(tree.root()).toEqual(referenceRoot(leaves))
        }
        const fresh = new StateTree()
        for (const [key, v] of [...leaves].reverse()) fresh.set(key, v)
        expect(fresh.root()).toEqual(tree.root())
        expect(tree.size).toBe(leaves.size)
      }),
      { numRuns: 30 },
    )
  })

  it('rebuilds the same root from the buckets and digests hashLeaf kept of each leaf', () => {
    const leaves = fc.dictionary(fc.string({ maxLength: 30 }), fc.string({ maxLength: 200 }))
    fc.assert(
      fc.property(leaves, fc.boolean(), (entries, upper) => {
        const built = new StateTree()
        const kept = new StateTree()
        for (const [key, value] of Object.entries(entries)) {
          built.set(key, value)
          const { bucket, digest } = hashLeaf(key, value)
          const hex = Buffer.from(digest).toString('hex')
          kept.setHashed(key, bucket, upper ? hex.toUpperCase() : hex)
        }
        expect(kept.root()).toEqual(built.root())
        expect(kept.root()).toEqual(referenceRoot(new Map(Object.entries(entries))))
        expect(kept.size).toBe(built.size)
      }),
      { numRuns: 30 },
    )
  })

  it('equals its definition with leaves hashed by hashLeaf before (same values or others)', () => {
    const keys = fc.constantFrom(...Array.from({ length: 20 }, (_, i) => `key ${i}`))
    const value = fc.option(fc.string({ maxLength: 20 }), { nil: undefined })
    const step = fc.tuple(keys, value, fc.option(fc.string({ maxLength: 20 }), { nil: undefined }))
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const tree = new StateTree()
        const leaves = new Map<string, string>()
        // Storage hashes a leaf (maybe of another value than the tree then sets, as when more
        // batches were applied in between), then the tree sets it.
        for (const [key, v, hashed] of steps) {
          if (hashed !== undefined) hashLeaf(key, hashed)
          tree.set(key, v)
          if (v === undefined) leaves.delete(key)
          else leaves.set(key, v)
        }
        expect(tree.root()).toEqual(referenceRoot(leaves))
      }),
      { numRuns: 50 },
    )
  })

  it('equals its definition when a level changes more nodes than one batch of pair hashes', () => {
    const tree = new StateTree()
    const leaves = new Map<string, string>()
    const set = (key: string, value: string) => {
      tree.set(key, value)
      leaves.set(key, value)
    }
    for (let i = 0; i < 3000; i++) set(`key ${i}`, `${i}`)
    expect(tree.root()).toEqual(referenceRoot(leaves))
    for (let i = 0; i < 3000; i += 3) set(`key ${i}`, `${i} changed`)
    expect(tree.root()).toEqual(referenceRoot(leaves))
  })
}
