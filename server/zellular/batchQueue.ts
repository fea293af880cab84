import { addOne, removeOne, type Multiset } from './multiset.ts'
import { batchCostBytes } from './rateLimiter.ts'

/** One client's queued bodies, oldest first (taken from `head`, so taking one is O(1)). */
class Lane {
  items: string[] = []
  head = 0
  bytes = 0

  get length(): number {
    return this.items.length - this.head
  }

  peek(): string | undefined {
    return this.items[this.head]
  }

  /** Takes the oldest body, of cost `bytes` (`batchCostBytes`). */
  shift(bytes: number): string {
    const body = this.items[this.head++]!
    this.bytes -= bytes
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return body
  }

  live(): string[] {
    return this.items.slice(this.head)
  }
}

/** What one take may hold besides its budget: what one request to the sequencer may carry. */
export interface TakeLimits {
  /** Most bodies. */
  readonly maxBatches: number
  /** Most bytes of the bodies as a JSON array, as a request carries them. */
  readonly maxJsonBytes: number
}

const UNLIMITED: TakeLimits = { maxBatches: Infinity, maxJsonBytes: Infinity }

/**
 * The client batches a node holds for one app before forwarding them to the sequencer
 * ("initialized" in zsequencer), with their total cost (`batchCostBytes`: bytes, but at least a
 * fixed amount a batch), and each client's, kept as they come and go, so caps are checked in
 * O(1) for every request.
 *
 * zsequencer forwards in arrival order, so one client that floods a node delays everyone behind
 * its backlog. Here each client has a lane and the lanes are served in turn, one body each
 * (keeping each client's own order): a flood delays its sender. Bodies put back (a failed or
 * censored forward, a switch) go before every lane, in their order: they were taken once.
 */
export class BatchQueue {
  private front: string[] = []
  /** The lanes with bodies, in the order they are served next (a served lane moves last). */
  private readonly lanes = new Map<string, Lane>()
  private totalBytes = 0
  /** Every queued body with its count, kept in step with the queue: `includes` in O(1). */
  private readonly counts: Multiset = new Map()

  get length(): number {
    let total = this.front.length
    for (const lane of this.lanes.values()) total += lane.length
    return total
  }

  /** The cost (`batchCostBytes`) of every queued body. */
  get bytes(): number {
    return this.totalBytes
  }

  /** The cost of `client`'s queued bodies (not counting those put back). */
  clientBytes(client: string): number {
    return this.lanes.get(client)?.bytes ?? 0
  }

  /** The body taken next. */
  first(): string | undefined {
    return this.front[0] ?? this.lanes.values().next().value?.peek()
  }

  includes(body: string): boolean {
    return this.counts.has(body)
  }

  /** Every queued body, in the order they would be taken. */
  toArray(): string[] {
    const order = [...this.front]
    const lanes = [...this.lanes.values()].map((lane) => lane.live())
    for (let turn = 0; lanes.some((items) => turn < items.length); turn++) {
      for (const items of lanes) if (turn < items.length) order.push(items[turn]!)
    }
    return order
  }

  /** Queues `client`'s bodies after its earlier ones. */
  push(client: string, bodies: readonly string[]): void {
    if (bodies.length === 0) return
    let lane = this.lanes.get(client)
    if (!lane) this.lanes.set(client, (lane = new Lane()))
    const bytes = bytesOf(bodies)
    for (const body of bodies) {
      lane.items.push(body)
      addOne(this.counts, body)
    }
    lane.bytes += bytes
    this.totalBytes += bytes
  }

  /** Puts bodies back before everything, in their order (no spread: a long list may not fit). */
  pushFront(bodies: readonly string[]): void {
    if (bodies.length === 0) return
    this.front = bodies.concat(this.front)
    this.totalBytes += bytesOf(bodies)
    for (const body of bodies) addOne(this.counts, body)
  }

  /**
   * Takes bodies in turn (put-back ones first) while their total cost stays within `budgetKb`
   * and they fit `limits`.
   */
  takeWithinKb(budgetKb: number, limits: TakeLimits = UNLIMITED): string[] {
    const taken: string[] = []
    const budgetBytes = budgetKb * 1024
    let costBytes = 0
    let jsonBytes = 2 // []
    /** Whether `body`, of cost `cost`, fits after those taken; counted if so. */
    const fits = (body: string, cost: number): boolean => {
      if (taken.length >= limits.maxBatches || costBytes + cost > budgetBytes) return false
      // Measured only under a cap: the switch takes everything (`takeAll`) to sequence itself.
      if (limits.maxJsonBytes !== Infinity) {
        const json = jsonByteLength(body) + (taken.length > 0 ? 1 : 0)
        if (jsonBytes + json > limits.maxJsonBytes) return false
        jsonBytes += json
      }
      costBytes += cost
      return true
    }
    let count = 0
    for (; count < this.front.length; count++) {
      const body = this.front[count]!
      if (!fits(body, batchCostBytes(body))) break
      taken.push(body)
    }
    this.front.splice(0, count)
    this.totalBytes -= costBytes
    for (const body of taken) removeOne(this.counts, body)
    if (this.front.length > 0) return taken
    for (const [client, lane] of this.lanes) {
      const body = lane.peek()!
      const cost = batchCostBytes(body)
      if (!fits(body, cost)) break
      taken.push(lane.shift(cost))
      this.totalBytes -= cost
      removeOne(this.counts, body)
      // Served, the lane goes last: set again, this loop reaches it after the others.
      this.lanes.delete(client)
      if (lane.length > 0) this.lanes.set(client, lane)
    }
    return taken
  }

  takeAll(): string[] {
    return this.takeWithinKb(Infinity)
  }

  /** Replaces the content: `front` first, then the current bodies `keep` accepts, in order. */
  rebuild(front: readonly string[], keep: (body: string) => boolean): void {
    this.front = front.concat(this.front.filter(keep))
    this.totalBytes = bytesOf(this.front)
    this.counts.clear()
    for (const body of this.front) addOne(this.counts, body)
    for (const [client, lane] of this.lanes) {
      lane.items = lane.live().filter(keep)
      lane.head = 0
      lane.bytes = bytesOf(lane.items)
      this.totalBytes += lane.bytes
      for (const body of lane.items) addOne(this.counts, body)
      if (lane.items.length === 0) this.lanes.delete(client)
    }
  }
}

/** UTF-8 bytes of `body` as a JSON string, quotes and escapes included. */
function jsonByteLength(body: string): number {
  return Buffer.byteLength(JSON.stringify(body), 'utf8')
}

/** The total cost (`batchCostBytes`) of `bodies`. */
function bytesOf(bodies: readonly string[]): number {
  let total = 0
  for (const body of bodies) total += batchCostBytes(body)
  return total
}
