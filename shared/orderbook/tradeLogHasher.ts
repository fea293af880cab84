/**
 * A fast rolling 64-bit hash over the fills an engine produced, so two runs (or two replicas) can
 * compare what they traded with one string. It folds in, per fill, the maker and taker order ids,
 * the price and the lots, in execution order.
 *
 * It is a non-cryptographic hash (two independent 32-bit multiply-rotate lanes, murmur3-style)
 * chosen because a keccak per fill would cost more than the matching itself. It detects
 * divergence between honest runs; it is not meant to resist someone crafting collisions. Use the
 * keccak `bookHash` for anything that is signed or attested.
 */

const seedLow = 0x9e3779b9
const seedHigh = 0x7f4a7c15
const twoTo32 = 4294967296

/**
 * The two 32-bit lanes of an order id's hash, over its UTF-16 code units taken two at a time (a
 * multiply-xorshift per pair and lane; the length is folded in so `'a'` and `'a\0'` differ).
 */
export function hashOrderId(id: string): [low: number, high: number] {
  let low = 0x811c9dc5 ^ id.length
  let high = 0x01000193 ^ Math.imul(id.length, 0x9e3779b1)
  const even = id.length & ~1
  for (let i = 0; i < even; i += 2) {
    const pair = id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16)
    low = Math.imul(low ^ pair, 0x01000193)
    low ^= low >>> 15
    high = Math.imul(high ^ pair, 0x5bd1e995)
    high ^= high >>> 13
  }
  if (even < id.length) {
    const last = id.charCodeAt(even)
    low = Math.imul(low ^ last, 0x01000193)
    high = Math.imul(high ^ last, 0x5bd1e995)
  }
  return [finalMix(low), finalMix(high)]
}

/** The rolling fill hash. */
export class TradeLogHasher {
  private low = seedLow
  private high = seedHigh
  /** Fills folded in so far. */
  fillCount = 0

  /**
   * Folds one fill in. Ids are passed as their `hashOrderId` lanes; price and lots are safe
   * integers, split into 32-bit words.
   */
  add(
    makerLow: number,
    makerHigh: number,
    takerLow: number,
    takerHigh: number,
    price: number,
    lots: number,
  ): void {
    this.word(makerLow)
    this.word(makerHigh)
    this.word(takerLow)
    this.word(takerHigh)
    this.word(price >>> 0)
    this.word(Math.floor(price / twoTo32))
    this.word(lots >>> 0)
    this.word(Math.floor(lots / twoTo32))
    this.fillCount += 1
  }

  /** The current digest: 16 lower-case hex characters (never changes the state). */
  digest(): string {
    const low = finalMix(this.low ^ this.fillCount)
    const high = finalMix(this.high ^ Math.imul(this.fillCount, 0x27d4eb2d))
    return hex32(finalMix(high ^ low)) + hex32(finalMix(low ^ (high >>> 7)))
  }

  private word(value: number): void {
    let low = Math.imul(value, 0xcc9e2d51)
    low = Math.imul((low << 15) | (low >>> 17), 0x1b873593)
    let lane = this.low ^ low
    lane = (lane << 13) | (lane >>> 19)
    this.low = (Math.imul(lane, 5) + 0xe6546b64) | 0
    let high = Math.imul(value ^ 0x5bd1e995, 0x85ebca6b)
    high = Math.imul((high << 17) | (high >>> 15), 0xc2b2ae35)
    let other = this.high ^ high
    other = (other << 11) | (other >>> 21)
    this.high = (Math.imul(other, 9) + 0x52dce729) | 0
  }
}

function finalMix(value: number): number {
  let h = value
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0')
}
