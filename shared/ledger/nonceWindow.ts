/**
 * Replay protection in a bounded window per signer (Hyperliquid's rule). Nonces are millisecond
 * times. Per signer only the `nonceWindowSize` highest used nonces are kept; a nonce is fresh when
 *
 * 1. it is not one of them (`nonce_already_used`),
 * 2. the window is not full, or it is above the smallest kept one (`nonce_too_low`: it may
 *    have been used and evicted since), and
 * 3. it lies strictly inside (T − 2 days, T + 1 day), T being the deterministic time of the batch
 *    that applies it (`expired`).
 *
 * Checks run in that order and the first failing one is the verdict. Using a fresh nonce into a
 * full window evicts the smallest kept one, so a signer's state is O(N) whatever its history, and
 * the smallest kept nonce only grows: a nonce once used stays refused by rule 1 or 2 forever.
 */

/** Most nonces kept per signer. */
export const nonceWindowSize = 100

/** A nonce must be above T minus this (2 days, in ms). */
export const nonceMaxAgeMs = 2 * 24 * 60 * 60 * 1000

/** A nonce must be below T plus this (1 day, in ms). */
export const nonceMaxLeadMs = 24 * 60 * 60 * 1000

/** Why a nonce may not be used now, or `fresh`. */
export type NonceVerdict = 'fresh' | 'nonce_already_used' | 'nonce_too_low' | 'expired'

/**
 * The verdict on `nonce` against one signer's kept nonces (`kept` ascending, at most `size`) at
 * batch time `timeMs`. Pure; see the module comment for the rule.
 */
export function checkNonce(
  kept: readonly bigint[],
  nonce: bigint,
  timeMs: number,
  size: number = nonceWindowSize,
): NonceVerdict {
  if (indexOf(kept, nonce) >= 0) return 'nonce_already_used'
  if (kept.length >= size && nonce < kept[0]!) return 'nonce_too_low'
  return isInTimeWindow(nonce, timeMs) ? 'fresh' : 'expired'
}

/** Whether `nonce` lies strictly inside (timeMs − 2 days, timeMs + 1 day). */
function isInTimeWindow(nonce: bigint, timeMs: number): boolean {
  const time = BigInt(timeMs)
  return nonce > time - BigInt(nonceMaxAgeMs) && nonce < time + BigInt(nonceMaxLeadMs)
}

/**
 * Every signer's window: the state the replay check needs, bounded by `size` nonces per signer.
 * Callers check with `check` first; `use` records a nonce that is not kept yet.
 */
export class NonceWindows {
  private readonly windows = new Map<string, bigint[]>()

  constructor(readonly size: number = nonceWindowSize) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`window size ${size}`)
  }

  check(signer: string, nonce: bigint, timeMs: number): NonceVerdict {
    return checkNonce(this.windows.get(signer) ?? [], nonce, timeMs, this.size)
  }

  /**
   * Keeps `nonce` for `signer` and returns the nonce evicted to make room (the smallest kept),
   * if the window was full. Throws if `nonce` is kept already or would itself be evicted: a
   * caller that checked first never meets either.
   */
  use(signer: string, nonce: bigint): bigint | undefined {
    let kept = this.windows.get(signer)
    if (kept === undefined) this.windows.set(signer, (kept = []))
    const position = insertionPoint(kept, nonce)
    if (kept[position] === nonce) throw new RangeError(`nonce ${nonce} is kept already`)
    if (kept.length >= this.size && position === 0) {
      throw new RangeError(`nonce ${nonce} is below a full window`)
    }
    kept.splice(position, 0, nonce)
    return kept.length > this.size ? kept.shift() : undefined
  }

  /**
   * Sets `signer`'s window to `kept` (ascending, distinct: the caller checks), as storage holds
   * it; an empty one is no window. Throws if it holds more than `size` nonces.
   */
  restore(signer: string, kept: readonly bigint[]): void {
    if (kept.length > this.size) throw new RangeError(`${kept.length} nonces in a window`)
    if (kept.length > 0) this.windows.set(signer, [...kept])
  }

  /** Drops `signer`'s window altogether (see `Ledger.releaseNonce`). */
  forget(signer: string): void {
    this.windows.delete(signer)
  }

  /** The nonces kept for `signer`, ascending. */
  kept(signer: string): readonly bigint[] {
    return this.windows.get(signer) ?? []
  }

  has(signer: string): boolean {
    return this.windows.has(signer)
  }

  /** Every (signer, kept nonces), in no particular order. */
  entries(): IterableIterator<[string, readonly bigint[]]> {
    return this.windows.entries()
  }

  /** Every signer with a window, in code-unit order. */
  signers(): string[] {
    return [...this.windows.keys()].sort()
  }
}

/** Position of `nonce` in ascending `kept`, or −1. */
function indexOf(kept: readonly bigint[], nonce: bigint): number {
  const position = insertionPoint(kept, nonce)
  return kept[position] === nonce ? position : -1
}

/** The first position whose nonce is ≥ `nonce` (binary search). */
function insertionPoint(kept: readonly bigint[], nonce: bigint): number {
  let low = 0
  let high = kept.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (kept[middle]! < nonce) low = middle + 1
    else high = middle
  }
  return low
}
