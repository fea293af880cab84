/**
 * An ordered set of items with unique integer keys, as a B+ tree (internal to the orderbook
 * module). Each side of a book keeps its price levels in one, keyed so that the best level is the
 * last item (see `orderBook.ts`).
 *
 * - Items sit in leaves, sorted arrays of at most `order` items; leaves are linked both ways.
 *   Branches hold up to `order` children and the keys that separate them. Every leaf is at the same
 *   depth, and every node but the root is at least half full (it splits when it passes `order`
 *   entries and borrows from or merges with a sibling when it falls below half), so the height is
 *   at most 1 + log_{order/2}(size) whatever the order of inserts and deletes.
 * - `getOrInsert`, `get` and `delete` descend one path (a binary search per node) and shift at
 *   most `order` items in one leaf: O(log n). `last()` (the best level) and `first()` are O(1):
 *   the tree keeps its end leaves. Deleting the last item is a `pop()` unless the leaf underflows.
 * - While it holds at most `order` items the tree is a single sorted array, which is what the
 *   book used before it had to scale (inserts at the top are a `push()`).
 * - Deterministic: no randomness or clock; the shape depends only on the sequence of operations.
 */

/** What a tree orders: anything with a key that is unique within the tree. */
export type Keyed = { readonly key: number }

class Leaf<T> {
  prev: Leaf<T> | null = null
  next: Leaf<T> | null = null

  constructor(readonly items: T[]) {}
}

/**
 * An inner node: `keys[i]` is greater than every key under `children[i]` and at most every key
 * under `children[i + 1]`, so `keys.length === children.length - 1`.
 */
class Branch<T> {
  constructor(
    readonly keys: number[],
    readonly children: TreeNode<T>[],
  ) {}
}

type TreeNode<T> = Leaf<T> | Branch<T>

/** Entries per node: 64 keeps a leaf within a few cache lines and 100k levels 3–4 nodes deep. */
const defaultOrder = 64

/** See the module comment. */
export class LevelTree<T extends Keyed> {
  private root: TreeNode<T>
  private levels = 1
  private count = 0
  /** The leftmost leaf never changes: splits add leaves to the right, merges drop the right one. */
  private readonly firstLeaf: Leaf<T>
  private lastLeaf: Leaf<T>
  private readonly maxEntries: number
  private readonly minEntries: number
  /** The branches the last descent went through (root first) and the child it took in each. */
  private readonly pathNodes: Branch<T>[] = []
  private readonly pathSlots: number[] = []

  /** @param order - The most items per leaf and children per branch (≥ 3). */
  constructor(order: number = defaultOrder) {
    if (!Number.isSafeInteger(order) || order < 3) throw new RangeError('order must be ≥ 3')
    this.maxEntries = order
    this.minEntries = (order + 1) >> 1
    const leaf = new Leaf<T>([])
    this.root = leaf
    this.firstLeaf = leaf
    this.lastLeaf = leaf
  }

  /** The number of items. */
  get size(): number {
    return this.count
  }

  /** Levels of nodes from the root to the leaves (1 while the root is a leaf). */
  get height(): number {
    return this.levels
  }

  /** The item with the highest key, if any. */
  last(): T | undefined {
    const items = this.lastLeaf.items
    return items[items.length - 1]
  }

  /** The item with the lowest key, if any. */
  first(): T | undefined {
    return this.firstLeaf.items[0]
  }

  /** The item with `key`, if any. */
  get(key: number): T | undefined {
    const items = this.descend(key).items
    const found = items[lowerBound(items, key)]
    return found !== undefined && found.key === key ? found : undefined
  }

  /**
   * The item with `key`; if there is none, `create(key)` is inserted and returned.
   * @throws {RangeError} If `create` returns an item with another key (a caller bug).
   */
  getOrInsert(key: number, create: (key: number) => T): T {
    const leaf = this.descend(key)
    const items = leaf.items
    const index = lowerBound(items, key)
    const found = items[index]
    if (found !== undefined && found.key === key) return found
    const item = create(key)
    if (item.key !== key) throw new RangeError(`created key ${item.key}, expected ${key}`)
    insertAt(items, index, item)
    this.count += 1
    if (items.length > this.maxEntries) this.splitLeaf(leaf)
    return item
  }

  /** Removes the item with `key`; returns it, or undefined if there was none. */
  delete(key: number): T | undefined {
    const top = this.lastLeaf.items
    const last = top[top.length - 1]
    // The best level goes most often, and usually its leaf can spare an item: no descent.
    if (last !== undefined && last.key === key) {
      if (this.levels === 1 || top.length > this.minEntries) {
        top.pop()
        this.count -= 1
        return last
      }
    }
    const leaf = this.descend(key)
    const items = leaf.items
    const index = lowerBound(items, key)
    const found = items[index]
    if (found === undefined || found.key !== key) return undefined
    removeAt(items, index)
    this.count -= 1
    if (this.levels > 1 && items.length < this.minEntries) this.rebalanceLeaf(leaf)
    return found
  }

  /** The items from the highest key to the lowest. */
  *descending(): Generator<T, void, undefined> {
    for (let leaf: Leaf<T> | null = this.lastLeaf; leaf !== null; leaf = leaf.prev) {
      const items = leaf.items
      for (let i = items.length - 1; i >= 0; i--) yield items[i] as T
    }
  }

  /** The items from the lowest key to the highest. */
  *ascending(): Generator<T, void, undefined> {
    for (let leaf: Leaf<T> | null = this.firstLeaf; leaf !== null; leaf = leaf.next) {
      yield* leaf.items
    }
  }

  /**
   * Throws if a structural invariant is broken: equal leaf depths, node fill between half and
   * `order` (the root excepted), keys sorted and within their separators, the leaf links, the end
   * leaves and the size. For tests; O(n).
   */
  checkInvariants(): void {
    const leaves: Leaf<T>[] = []
    const visit = (node: TreeNode<T>, depth: number, low: number, high: number): void => {
      const isRoot = depth === 1
      if (depth === this.levels) {
        const leaf = node as Leaf<T>
        if (!(leaf instanceof Leaf)) fail(`a branch at leaf depth ${depth}`)
        checkFill(leaf.items.length, isRoot ? 0 : this.minEntries, this.maxEntries, 'leaf')
        checkKeys(
          leaf.items.map((item) => item.key),
          low,
          high,
        )
        leaves.push(leaf)
        return
      }
      const branch = node as Branch<T>
      if (!(branch instanceof Branch)) fail(`a leaf at depth ${depth} of ${this.levels}`)
      const { keys, children } = branch
      checkFill(children.length, isRoot ? 2 : this.minEntries, this.maxEntries, 'branch')
      if (keys.length !== children.length - 1) fail('keys and children do not match')
      checkKeys(keys, low, high)
      children.forEach((child, i) => {
        visit(child, depth + 1, i === 0 ? low : (keys[i - 1] as number), keys[i] ?? high)
      })
    }
    visit(this.root, 1, -Infinity, Infinity)
    this.checkLeafChain(leaves)
  }

  private checkLeafChain(leaves: readonly Leaf<T>[]): void {
    if (leaves[0] !== this.firstLeaf || leaves.at(-1) !== this.lastLeaf) fail('end leaves')
    leaves.forEach((leaf, i) => {
      if (leaf.prev !== (leaves[i - 1] ?? null) || leaf.next !== (leaves[i + 1] ?? null)) {
        fail(`leaf ${i} is linked out of order`)
      }
    })
    const size = leaves.reduce((sum, leaf) => sum + leaf.items.length, 0)
    if (size !== this.count) fail(`size ${this.count}, ${size} items in the leaves`)
  }

  /** Walks from the root to the leaf where `key` is or belongs, recording the path. */
  private descend(key: number): Leaf<T> {
    let node = this.root
    for (let depth = 0; depth < this.levels - 1; depth++) {
      const branch = node as Branch<T>
      const slot = upperBound(branch.keys, key)
      this.pathNodes[depth] = branch
      this.pathSlots[depth] = slot
      node = branch.children[slot] as TreeNode<T>
    }
    return node as Leaf<T>
  }

  /** Moves the upper half of an overfull leaf to a new leaf on its right. */
  private splitLeaf(leaf: Leaf<T>): void {
    const right = new Leaf(leaf.items.splice(leaf.items.length >> 1))
    right.prev = leaf
    right.next = leaf.next
    if (leaf.next !== null) leaf.next.prev = right
    leaf.next = right
    if (this.lastLeaf === leaf) this.lastLeaf = right
    this.addChild(this.levels - 2, (right.items[0] as T).key, right)
  }

  /**
   * Inserts `child` right of the child the descent took at `depth` (a new root above the old one
   * if `depth` is -1), splitting the branch if it overflows.
   */
  private addChild(depth: number, separator: number, child: TreeNode<T>): void {
    if (depth < 0) {
      this.root = new Branch([separator], [this.root, child])
      this.levels += 1
      return
    }
    const parent = this.pathNodes[depth] as Branch<T>
    const slot = this.pathSlots[depth] as number
    parent.keys.splice(slot, 0, separator)
    parent.children.splice(slot + 1, 0, child)
    if (parent.children.length > this.maxEntries) {
      const half = parent.children.length >> 1
      const children = parent.children.splice(half)
      const keys = parent.keys.splice(half - 1)
      const middle = keys.shift() as number
      this.addChild(depth - 1, middle, new Branch(keys, children))
    }
  }

  /** Refills an underfull leaf from a sibling that can spare an item, or merges it with one. */
  private rebalanceLeaf(leaf: Leaf<T>): void {
    const depth = this.levels - 2
    const parent = this.pathNodes[depth] as Branch<T>
    const slot = this.pathSlots[depth] as number
    const left = slot > 0 ? (parent.children[slot - 1] as Leaf<T>) : null
    const right = (parent.children[slot + 1] as Leaf<T> | undefined) ?? null
    if (left !== null && left.items.length > this.minEntries) {
      leaf.items.unshift(left.items.pop() as T)
      parent.keys[slot - 1] = (leaf.items[0] as T).key
    } else if (right !== null && right.items.length > this.minEntries) {
      leaf.items.push(right.items.shift() as T)
      parent.keys[slot] = (right.items[0] as T).key
    } else if (left !== null) {
      this.mergeLeaves(left, leaf)
      this.removeChild(depth, slot)
    } else {
      this.mergeLeaves(leaf, right as Leaf<T>)
      this.removeChild(depth, slot + 1)
    }
  }

  /** Appends `right`'s items to `left` and unlinks `right`. */
  private mergeLeaves(left: Leaf<T>, right: Leaf<T>): void {
    for (const item of right.items) left.items.push(item)
    left.next = right.next
    if (right.next !== null) right.next.prev = left
    if (this.lastLeaf === right) this.lastLeaf = left
  }

  /**
   * Drops child `slot` (≥ 1, merged into its left neighbour) of the branch at `depth` and the key
   * before it; a root left with one child gives way to it, another branch below half rebalances.
   */
  private removeChild(depth: number, slot: number): void {
    const branch = this.pathNodes[depth] as Branch<T>
    branch.children.splice(slot, 1)
    branch.keys.splice(slot - 1, 1)
    if (depth === 0) {
      if (branch.children.length === 1) {
        this.root = branch.children[0] as TreeNode<T>
        this.levels -= 1
      }
    } else if (branch.children.length < this.minEntries) this.rebalanceBranch(depth, branch)
  }

  /** As `rebalanceLeaf`, for a branch: separators rotate through the parent. */
  private rebalanceBranch(depth: number, branch: Branch<T>): void {
    const parent = this.pathNodes[depth - 1] as Branch<T>
    const slot = this.pathSlots[depth - 1] as number
    const left = slot > 0 ? (parent.children[slot - 1] as Branch<T>) : null
    const right = (parent.children[slot + 1] as Branch<T> | undefined) ?? null
    if (left !== null && left.children.length > this.minEntries) {
      branch.children.unshift(left.children.pop() as TreeNode<T>)
      branch.keys.unshift(parent.keys[slot - 1] as number)
      parent.keys[slot - 1] = left.keys.pop() as number
    } else if (right !== null && right.children.length > this.minEntries) {
      branch.children.push(right.children.shift() as TreeNode<T>)
      branch.keys.push(parent.keys[slot] as number)
      parent.keys[slot] = right.keys.shift() as number
    } else if (left !== null) {
      mergeBranches(left, parent.keys[slot - 1] as number, branch)
      this.removeChild(depth - 1, slot)
    } else {
      mergeBranches(branch, parent.keys[slot] as number, right as Branch<T>)
      this.removeChild(depth - 1, slot + 1)
    }
  }
}

/** Appends `right`'s keys and children to `left`, with the parent's separator between them. */
function mergeBranches<T>(left: Branch<T>, separator: number, right: Branch<T>): void {
  left.keys.push(separator)
  for (const key of right.keys) left.keys.push(key)
  for (const child of right.children) left.children.push(child)
}

/** The first index whose item's key is ≥ `key`. */
function lowerBound(items: readonly Keyed[], key: number): number {
  let low = 0
  let high = items.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((items[middle] as Keyed).key < key) low = middle + 1
    else high = middle
  }
  return low
}

/** The first index whose key is > `key`: the child of a branch that holds `key`. */
function upperBound(keys: readonly number[], key: number): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((keys[middle] as number) <= key) low = middle + 1
    else high = middle
  }
  return low
}

/** Inserts `item` at `index` by shifting the later items up (cheaper than `splice` here). */
function insertAt<T>(items: T[], index: number, item: T): void {
  let i = items.length
  items.push(item)
  for (; i > index; i--) items[i] = items[i - 1] as T
  items[index] = item
}

/** Removes the item at `index` by shifting the later items down. */
function removeAt<T>(items: T[], index: number): void {
  const last = items.length - 1
  for (let i = index; i < last; i++) items[i] = items[i + 1] as T
  items.pop()
}

function checkFill(entries: number, min: number, max: number, what: string): void {
  if (entries < min || entries > max) fail(`${what} with ${entries} entries, not in ${min}..${max}`)
}

/** Strictly increasing, each within [low, high). */
function checkKeys(keys: readonly number[], low: number, high: number): void {
  keys.forEach((key, i) => {
    if (key < low || key >= high) fail(`key ${key} outside [${low}, ${high})`)
    if (i > 0 && (keys[i - 1] as number) >= key) fail(`keys out of order at ${key}`)
  })
}

function fail(message: string): never {
  throw new Error(`LevelTree: ${message}`)
}
