import fc from 'fast-check'
import { bytesToHex } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { initSha256 } from './sha256.ts'
import {
  buildStateProof,
  decodeStateProof,
  encodeStateProof,
  verifyStateProof,
  type StateProof,
} from './stateProof.ts'
import { bucketOf, StateTree, stateTreeDepth } from './stateTree.ts'
import {
  sharedBucketNonceKeys as nonceKeys,
  sharedBucketOrderKeys as orderKeys,
  sharedBucketTarget,
} from './testing.ts'

const utf8 = (text: string) => new TextEncoder().encode(text)

/** A tree over `leaves` and a proof builder that reads values from the same map. */
function treeOf(leaves: ReadonlyMap<string, string>) {
  const tree = new StateTree()
  for (const [key, value] of leaves) tree.set(key, value)
  const root = tree.root()
  const prove = (key: string) =>
    buildStateProof(tree.proof(key), key, leaves.get(key), (other) => leaves.get(other))!
  return { tree, root, prove }
}

const flip = (bytes: Uint8Array, at = 0) => {
  const copy = bytes.slice()
  copy[at]! ^= 1
  return copy
}

describe('state proofs', () => {
  beforeAll(() => initSha256())

  const target = sharedBucketTarget
  let leaves: Map<string, string>
  let neighbours: string[]
  beforeAll(() => {
    neighbours = orderKeys
    leaves = new Map<string, string>([
      ['issuer', '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf'],
      ['token USDT', '6'],
      [target, '100000000 5000000'],
      ...neighbours.slice(0, 3).map((key, n): [string, string] => [key, `value ${n}`]),
      ...Array.from({ length: 500 }, (_, n): [string, string] => [`market m${n}`, `${n} 0`]),
    ])
  })

  it('share one bucket among the target and the keys found for it', () => {
    const bucket = bucketOf(utf8(target))
    expect(bucket).toBe(96_851)
    for (const key of [...orderKeys, ...nonceKeys]) expect(bucketOf(utf8(key))).toBe(bucket)
  })

  it('prove a present key and an absent key of a shared bucket, before and after encoding', () => {
    const { root, prove } = treeOf(leaves)
    const present = prove(target)
    expect(present.leaves).toMatchObject({ kind: 'present' })
    expect(present.leaves.kind === 'present' && present.leaves.others).toHaveLength(3)
    expect(
      verifyStateProof({ key: target, value: '100000000 5000000', proof: present, root }),
    ).toEqual({ ok: true })
    const absentKey = neighbours[3]!
    const absent = prove(absentKey)
    expect(absent.leaves.kind === 'absent' && absent.leaves.entries).toHaveLength(4)
    expect(verifyStateProof({ key: absentKey, value: undefined, proof: absent, root })).toEqual({
      ok: true,
    })
    for (const proof of [present, absent]) {
      expect(decodeStateProof(encodeStateProof(proof))).toEqual(proof)
    }
    // An empty bucket: the absence proof lists no leaf.
    const lonely = 'nonces 0x0000000000000000000000000000000000000001'
    const empty = prove(lonely)
    expect(empty.leaves).toEqual({ kind: 'absent', entries: [] })
    expect(verifyStateProof({ key: lonely, value: undefined, proof: empty, root })).toEqual({
      ok: true,
    })
  })

  it('reject every tampered value, leaf list, sibling, bucket and root', () => {
    const { root, prove } = treeOf(leaves)
    const value = '100000000 5000000'
    const present = prove(target)
    const others = present.leaves.kind === 'present' ? present.leaves.others : []
    const check = (proof: StateProof, v: string | undefined = value, key = target, r = root) =>
      verifyStateProof({ key, value: v, proof, root: r })
    const withOthers = (list: Uint8Array[]): StateProof => ({
      ...present,
      leaves: { kind: 'present', others: list },
    })
    const mismatch = { ok: false, reason: 'root_mismatch' }
    expect(check(present, '100000001 5000000')).toEqual(mismatch)
    expect(check(present, '100000000 5000000 ')).toEqual(mismatch)
    expect(verifyStateProof({ key: target, value: undefined, proof: present, root })).toEqual({
      ok: false,
      reason: 'wrong_kind',
    })
    expect(check(withOthers(others.slice(1)))).toEqual(mismatch)
    expect(check(withOthers([...others, new Uint8Array(32).fill(7)]))).toEqual(mismatch)
    expect(check(withOthers([flip(others[0]!, 31), ...others.slice(1)]))).toEqual(mismatch)
    expect(check(withOthers([others[0]!, ...others]))).toEqual({ ok: false, reason: 'malformed' })
    for (let height = 0; height < stateTreeDepth; height++) {
      const siblings = present.siblings.map((s, h) => (h === height ? flip(s, 5) : s))
      expect(check({ ...present, siblings })).toEqual(mismatch)
    }
    expect(check({ ...present, siblings: present.siblings.slice(1) })).toMatchObject({
      ok: false,
      reason: 'malformed',
    })
    expect(check({ ...present, bucket: present.bucket ^ 1 })).toEqual({
      ok: false,
      reason: 'wrong_bucket',
    })
    expect(check(present, value, target, flip(root))).toEqual(mismatch)
    // The same proof says nothing about another key of the bucket.
    expect(check(present, value, neighbours[0]!)).toEqual(mismatch)

    const absentKey = neighbours[3]!
    const absent = prove(absentKey)
    const entries = absent.leaves.kind === 'absent' ? absent.leaves.entries : []
    const withEntries = (list: (readonly [string, string])[]): StateProof => ({
      ...absent,
      leaves: { kind: 'absent', entries: list },
    })
    const checkAbsent = (proof: StateProof, key = absentKey) =>
      verifyStateProof({ key, value: undefined, proof, root })
    expect(checkAbsent(withEntries(entries.slice(1)))).toEqual(mismatch)
    const changed = entries.map(([k, v], n): [string, string] => [k, n === 0 ? `${v}0` : v])
    expect(checkAbsent(withEntries(changed))).toEqual(mismatch)
    // A present key cannot be shown absent: its own leaf is in the list, or the bucket breaks.
    expect(checkAbsent(prove(absentKey), target)).toMatchObject({ ok: false })
    const withoutTarget = entries.filter(([k]) => k !== target)
    const lying = buildStateProof(
      { bucket: absent.bucket, leaves: [], siblings: absent.siblings },
      target,
      undefined,
      () => undefined,
    )!
    expect(checkAbsent(withEntries(withoutTarget), target)).toEqual(mismatch)
    expect(checkAbsent(lying, target)).toEqual(mismatch)
    expect(checkAbsent(withEntries([...entries, [absentKey, 'x']]))).toEqual({
      ok: false,
      reason: 'bad_bucket_leaves',
    })
    expect(checkAbsent(withEntries([...entries, ['issuer', leaves.get('issuer')!]]))).toEqual({
      ok: false,
      reason: 'bad_bucket_leaves',
    })
    expect(verifyStateProof({ key: absentKey, value: 'x', proof: absent, root })).toEqual({
      ok: false,
      reason: 'wrong_kind',
    })
  })

  it('reject every one-bit change of the encoded bytes, and truncated or extended bytes', () => {
    const { root, prove } = treeOf(leaves)
    const cases = [
      { key: target, value: '100000000 5000000' as string | undefined },
      { key: neighbours[3]!, value: undefined },
    ]
    for (const { key, value } of cases) {
      const bytes = encodeStateProof(prove(key))
      for (let at = 0; at < bytes.length; at++) {
        for (const bit of [0, 7]) {
          const changed = bytes.slice()
          changed[at]! ^= 1 << bit
          const decoded = decodeStateProof(changed)
          if (decoded === undefined) continue
          expect(verifyStateProof({ key, value, proof: decoded, root }).ok).toBe(false)
        }
      }
      expect(decodeStateProof(bytes.subarray(0, bytes.length - 1))).toBeUndefined()
      expect(decodeStateProof(new Uint8Array([...bytes, 0]))).toBeUndefined()
      // A bucket or a zero-sibling bit past the tree's 18 levels: one encoding per proof.
      for (const at of [2, 6]) {
        const beyond = bytes.slice()
        new DataView(beyond.buffer).setUint32(
          at,
          new DataView(bytes.buffer).getUint32(at) | (1 << 18),
        )
        expect(decodeStateProof(beyond)).toBeUndefined()
      }
    }
  })

  it('prove every key of any tree, present or absent, after any changes (property)', () => {
    // 12 of the keys share one bucket, so buckets hold several leaves and absence proofs list them.
    const keys = [...neighbours, ...nonceKeys, 'issuer', 'token ETH']
    const value = fc.option(fc.string({ maxLength: 12 }), { nil: undefined })
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 40 }),
        (sets) => {
          const tree = new StateTree()
          const held = new Map<string, string>()
          for (const [key, v] of sets) {
            tree.set(key, v)
            if (v === undefined) held.delete(key)
            else held.set(key, v)
          }
          const root = tree.root()
          for (const key of keys) {
            const path = tree.proof(key)
            const proof = buildStateProof(path, key, held.get(key), (k) => held.get(k))!
            const decoded = decodeStateProof(encodeStateProof(proof))!
            expect(verifyStateProof({ key, value: held.get(key), proof: decoded, root })).toEqual({
              ok: true,
            })
            const wrong = held.has(key) ? undefined : 'x'
            expect(verifyStateProof({ key, value: wrong, proof: decoded, root }).ok).toBe(false)
          }
        },
      ),
      { numRuns: 25 },
    )
  })

  it('refuse to build a proof from values the tree does not hold', () => {
    const { tree } = treeOf(leaves)
    expect(buildStateProof(tree.proof(target), target, '1 0', () => undefined)).toBeUndefined()
    const absentKey = neighbours[3]!
    const stale = (key: string) => (key === neighbours[0] ? 'stale' : leaves.get(key))
    expect(buildStateProof(tree.proof(absentKey), absentKey, undefined, stale)).toBeUndefined()
  })

  it('pin the vectors of docs/state-commitment.md', () => {
    const vector = new Map([
      ['issuer', '0x7e5f4552091a69125d5dfcb7b8c2659029395bdf'],
      ['token USDT', '6'],
      [target, '100000000 5000000'],
    ])
    const { root, prove } = treeOf(vector)
    expect(bytesToHex(root)).toBe(
      '0x97a1639409c3c7d01d91f888fdb6514ebaeb381aa82a98515fb1fe7db00ec289',
    )
    const present = encodeStateProof(prove(target))
    expect(bytesToHex(present)).toBe(
      '0x020100017a530001dfff00000000afb878a6bbfef1d36c85a50782933cdd87a7c2b728' +
        'a094b773cfada988cd988dc87df8c0372605a249ba37252261ec72d80ddd61b48c28364a' +
        '3e634ac617e287',
    )
    const absentKey = 'balance 0x2b5ad5c4795c026514f8317c7a215e218dccd6cf BTC'
    const absent = encodeStateProof(prove(absentKey))
    expect(bytesToHex(absent)).toBe(
      '0x02000002d38d00017fff000000009b75261009425428e11708aae046a347d52ddabb47' +
        '840289b7c21de8c577c8685955de7cb8a5c9743341d2a73015b2e19ddc5f4918aebe2534' +
        '52599fb962540d',
    )
    expect(
      verifyStateProof({ key: absentKey, value: undefined, proof: prove(absentKey), root }),
    ).toEqual({ ok: true })
  })
})
