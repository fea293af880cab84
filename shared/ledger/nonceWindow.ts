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

import { maxNonce } from '../intents/index.ts'

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
  /**
   * Kept nonces per signer, ascending; a window restored from storage stays the stored text
   * until first used (most signers of a restart never are, and the state tree hashes the text).
   */
  private readonly windows = new Map<string, bigint[] | string>()

  constructor(readonly size: number = nonceWindowSize) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`window size ${size}`)
  }

  check(signer: string, nonce: bigint, timeMs: number): NonceVerdict {
    return checkNonce(this.keptOf(signer) ?? [], nonce, timeMs, this.size)
  }

  /**
   * Keeps `nonce` for `signer` and returns the nonce evicted to make room (the smallest kept),
   * if the window was full. Throws if `nonce` is kept already or would itself be evicted: a
   * caller that checked first never meets either.
   */
  use(signer: string, nonce: bigint): bigint | undefined {
    let kept = this.keptOf(signer)
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

  /**
   * Sets `signer`'s window to stored text (`isNonceWindowText`: the caller checks), kept as text
   * until the window is first used.
   */
  restoreText(signer: string, text: string): void {
    this.windows.set(signer, text)
  }

  /** Drops `signer`'s window altogether (see `Ledger.releaseNonce`). */
  forget(signer: string): void {
    this.windows.delete(signer)
  }

  /** The nonces kept for `signer`, ascending. */
  kept(signer: string): readonly bigint[] {
    return this.keptOf(signer) ?? []
  }

  /** The nonces kept for `signer` as the text of its state leaf (`""`: no window). */
  text(signer: string): string {
    const kept = this.windows.get(signer) ?? ''
    return typeof kept === 'string' ? kept : kept.join(' ')
  }

  has(signer: string): boolean {
    return this.windows.has(signer)
  }

  /** Every (signer, kept nonces as text), in no particular order. */
  *texts(): Generator<[string, string]> {
    for (const [signer, kept] of this.windows) {
      yield [signer, typeof kept === 'string' ? kept : kept.join(' ')]
    }
  }

  /** Every signer with a window, in code-unit order. */
  signers(): string[] {
    return [...this.windows.keys()].sort()
  }

  /** The window of `signer`, parsed from its stored text on first use. */
  private keptOf(signer: string): bigint[] | undefined {
    const kept = this.windows.get(signer)
    if (typeof kept !== 'string') return kept
    const parsed = kept.split(' ').map(BigInt)
    this.windows.set(signer, parsed)
    return parsed
  }
}

const maxNonceText = String(maxNonce)

/**
 * Whether `text` is a window as storage keeps it and the state leaf hashes it: 1 to `size`
 * nonces in uint64, strictly ascending, as decimal without leading zeros separated by single
 * spaces. Checked on the characters (numeric order is length, then text), without parsing.
 */
export function isNonceWindowText(text: string, size: number = nonceWindowSize): boolean {
  let count = 0
  let start = 0
  let previous = -1
  for (let end = 0; end <= text.length; end++) {
    const code = end < text.length ? text.charCodeAt(end) : 32
    if (code >= 48 && code <= 57) continue
    if (code !== 32) return false
    const length = end - start
    if (length === 0 || length > maxNonceText.length) return false
    if (length > 1 && text.charCodeAt(start) === 48) return false
    if (length === maxNonceText.length && text.slice(start, end) > maxNonceText) return false
    if (previous >= 0 && !isAbove(text, previous, start - 1, start, end)) return false
    if (++count > size) return false
    previous = start
    start = end + 1
  }
  return true
}

/** Whether the digits text[from, to) are a larger number than text[lowFrom, lowTo). */
function isAbove(text: string, lowFrom: number, lowTo: number, from: number, to: number): boolean {
  if (to - from !== lowTo - lowFrom) return to - from > lowTo - lowFrom
  for (let i = 0; i < to - from; i++) {
    const difference = text.charCodeAt(from + i) - text.charCodeAt(lowFrom + i)
    if (difference !== 0) return difference > 0
  }
  return false
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
