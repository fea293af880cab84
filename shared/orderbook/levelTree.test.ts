import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { LevelTree } from './levelTree.ts'

type Item = { key: number; label: string }

const item = (key: number): Item => ({ key, label: `item ${key}` })
const keysOf = (items: Iterable<Item>) => [...items].map((entry) => entry.key)

/** A tree of small nodes holding `keys`, inserted in that order. */
function treeOf(keys: readonly number[], order = 4): LevelTree<Item> {
  const tree = new LevelTree<Item>(order)
  for (const key of keys) tree.getOrInsert(key, item)
  return tree
}

const range = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step)

describe('LevelTree', () => {
  test('an empty tree has no items', () => {
    const tree = new LevelTree<Item>()
    expect(tree.size).toBe(0)
    expect(tree.height).toBe(1)
    expect(tree.last()).toBeUndefined()
    expect(tree.first()).toBeUndefined()
    expect(tree.get(1)).toBeUndefined()
    expect(tree.delete(1)).toBeUndefined()
    expect([...tree.descending()]).toEqual([])
    tree.checkInvariants()
  })

  test('keeps items ordered by key whatever the insertion order', () => {
    for (const keys of [
      range(1, 500),
      range(500, 1, -1),
      range(1, 500).map((k) => (k * 263) % 500),
    ]) {
      const tree = treeOf(keys)
      tree.checkInvariants()
      const sorted = [...keys].sort((a, b) => a - b)
      expect(keysOf(tree.ascending())).toEqual(sorted)
      expect(keysOf(tree.descending())).toEqual([...sorted].reverse())
      expect(tree.last()?.key).toBe(sorted.at(-1))
      expect(tree.first()?.key).toBe(sorted[0])
      expect(tree.size).toBe(500)
    }
  })

  test('getOrInsert returns the item already there without creating one', () => {
    const tree = treeOf([5, 3, 8])
    const existing = tree.get(3)
    const created: number[] = []
    const got = tree.getOrInsert(3, (key) => {
      created.push(key)
      return item(key)
    })
    expect(got).toBe(existing)
    expect(created).toEqual([])
    expect(tree.size).toBe(3)
  })

  test('getOrInsert refuses an item whose key is not the one asked for', () => {
    const tree = new LevelTree<Item>()
    expect(() => tree.getOrInsert(7, () => item(8))).toThrow(RangeError)
    expect(tree.size).toBe(0)
  })

  test('the last item follows inserts and deletes at the top, also across leaves', () => {
    const tree = treeOf(range(1, 100))
    expect(tree.height).toBeGreaterThan(2)
    for (let key = 100; key >= 1; key--) {
      expect(tree.last()?.key).toBe(key)
      expect(tree.delete(key)?.key).toBe(key)
      tree.checkInvariants()
    }
    expect(tree.last()).toBeUndefined()
    expect(tree.height).toBe(1)
  })

  test('deletes from the bottom, the middle and missing keys', () => {
    const tree = treeOf(range(1, 200))
    expect(tree.delete(0)).toBeUndefined()
    expect(tree.delete(201)).toBeUndefined()
    for (let key = 1; key <= 50; key++) expect(tree.delete(key)?.key).toBe(key)
    for (let key = 100; key <= 150; key += 2) expect(tree.delete(key)?.key).toBe(key)
    expect(tree.delete(100)).toBeUndefined()
    tree.checkInvariants()
    const expected = range(51, 200).filter((key) => key < 100 || key > 150 || key % 2 === 1)
    expect(keysOf(tree.ascending())).toEqual(expected)
    expect(tree.first()?.key).toBe(51)
    expect(tree.get(101)?.label).toBe('item 101')
    expect(tree.get(102)).toBeUndefined()
  })

  test('negative and large keys (asks are keyed by minus the price)', () => {
    const keys = [-10_000_000_000, -1, 0, 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]
    const tree = treeOf(keys, 3)
    tree.checkInvariants()
    expect(keysOf(tree.ascending())).toEqual([...keys].sort((a, b) => a - b))
  })

  test('stays balanced: 100k worst-order keys are at most 1 + log_32(100k) levels deep', () => {
    const tree = new LevelTree<Item>()
    for (let key = 100_000; key >= 1; key--) tree.getOrInsert(key, item)
    tree.checkInvariants()
    expect(tree.height).toBeLessThanOrEqual(1 + Math.ceil(Math.log(100_000) / Math.log(32)))
    for (let key = 1; key <= 100_000; key += 3) tree.delete(key)
    tree.checkInvariants()
    expect(tree.size).toBe(66_666)
    expect(tree.height).toBeLessThanOrEqual(1 + Math.ceil(Math.log(66_666) / Math.log(32)))
  })

  test('node orders below 3 are refused', () => {
    expect(() => new LevelTree(2)).toThrow(RangeError)
    expect(() => new LevelTree(4.5)).toThrow(RangeError)
  })
})

type Operation =
  | { kind: 'insert'; key: number }
  | { kind: 'delete'; key: number }
  | { kind: 'deleteLast' }
  | { kind: 'deleteFirst' }

/** Keys from a narrow range (so deletes hit) or anywhere in the safe integers. */
const key = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -60, max: 60 }) },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) },
)
const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('insert' as const), key }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deleteLast' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'deleteFirst' as const }) },
)

/** Runs `operations` on a tree and on a sorted array; they must agree after every step. */
function runAgainstModel(order: number, operations: readonly Operation[]): void {
  const tree = new LevelTree<Item>(order)
  const model: number[] = []
  for (const op of operations) {
    if (op.kind === 'insert') {
      const got = tree.getOrInsert(op.key, item)
      expect(got.key).toBe(op.key)
      if (!model.includes(op.key)) model.push(op.key)
      model.sort((a, b) => a - b)
    } else {
      const target =
        op.kind === 'delete' ? op.key : op.kind === 'deleteLast' ? model.at(-1) : model[0]
      if (target === undefined) continue
      const at = model.indexOf(target)
      expect(tree.delete(target)?.key).toBe(at < 0 ? undefined : target)
      if (at >= 0) model.splice(at, 1)
    }
    tree.checkInvariants()
    expect(tree.size).toBe(model.length)
    expect(tree.last()?.key).toBe(model.at(-1))
    expect(tree.first()?.key).toBe(model[0])
  }
  expect(keysOf(tree.ascending())).toEqual(model)
  expect(keysOf(tree.descending())).toEqual([...model].reverse())
  for (const k of model) expect(tree.get(k)?.label).toBe(`item ${k}`)
}

describe('LevelTree properties against a sorted array', () => {
  test.each([3, 4, 5, 8])('order %i: random inserts and deletes', (order) => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 300 }), (operations) =>
        runAgainstModel(order, operations),
      ),
      { numRuns: 150 },
    )
  })

  test('order 4: grow in one direction, then shrink from either end or a stride', () => {
    const scenario = fc.record({
      count: fc.integer({ min: 1, max: 400 }),
      up: fc.boolean(),
      stride: fc.integer({ min: 1, max: 37 }),
      removal: fc.constantFrom<Operation['kind']>('delete', 'deleteLast', 'deleteFirst'),
    })
    fc.assert(
      fc.property(scenario, ({ count, up, stride, removal }) => {
        const keys = range(1, count).map((k) => (up ? k : count + 1 - k))
        const inserts = keys.map((k): Operation => ({ kind: 'insert', key: k }))
        const deletes = keys.map((_, i): Operation =>
          removal === 'delete'
            ? { kind: 'delete', key: ((i * stride) % count) + 1 }
            : ({ kind: removal } as Operation),
        )
        runAgainstModel(4, [...inserts, ...deletes])
      }),
      { numRuns: 60 },
    )
  })
})
