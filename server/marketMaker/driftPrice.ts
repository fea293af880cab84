/*
 * The demo market maker's price path: a seeded random walk pulled back toward an anchor, so a
 * demo market moves like a market but never wanders off (a run of days stays within a few
 * percent of its reference). Pure: the random numbers come from `createRandom(seed)`.
 */

/** A source of numbers uniform in [0, 1). */
export type Random = () => number

/**
 * A deterministic random number source (mulberry32): the same seed gives the same sequence, so a
 * demo run can be replayed.
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** How the price moves each step. */
export interface DriftConfig {
  /** Largest random move of one step, basis points of the price. */
  readonly stepBps: number
  /** Share of the distance to the anchor taken back each step, in basis points (e.g. 50). */
  readonly reversionBps: number
}

/**
 * The next price after `price`: a uniform random move of at most `stepBps`, plus a pull of
 * `reversionBps` of the way back to `anchor`. Prices stay positive: never below one basis point
 * of the anchor.
 */
export function driftPrice(
  price: bigint,
  anchor: bigint,
  config: DriftConfig,
  random: Random,
): bigint {
  const moveBps = BigInt(Math.round((random() * 2 - 1) * config.stepBps))
  const moved = price + (price * moveBps) / 10_000n
  const pulled = moved + ((anchor - moved) * BigInt(config.reversionBps)) / 10_000n
  const floor = anchor / 10_000n > 0n ? anchor / 10_000n : 1n
  return pulled < floor ? floor : pulled
}
