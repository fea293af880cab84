import { createXXHash128, type IHasher } from 'hash-wasm'

let hasher: IHasher | undefined
/** `chainHash` calls so far (`chainHashes`). */
let chained = 0
/** Characters (or bytes) `xxh128` has hashed so far (`xxh128Length`). */
let hashedLength = 0

/** Loads the XXH3 wasm module once; every other function here is synchronous after it. */
export async function initHash(): Promise<void> {
  hasher ??= await createXXHash128()
}

/**
 * Python's `xxhash.xxh128_hexdigest`: XXH3-128, seed 0, 32 lower-case hex chars. Strings hash as
 * UTF-8, which is what zsequencer's `gen_hash` does.
 * @example xxh128('abc') // '06b05ab6733a618578af5f94892f3950'
 */
export function xxh128(input: string | Uint8Array): string {
  if (!hasher) throw new Error('initHash() must be awaited before xxh128()')
  hashedLength += input.length
  return hasher.init().update(input).digest('hex')
}

/**
 * The chaining hash of the batch that follows `previous`: `xxh128(previous + xxh128(body))`,
 * string concatenation of two hex digests, with `""` before the first batch.
 */
export function chainHash(previous: string, body: string): string {
  return chainLink(previous, xxh128(body))
}

/**
 * `chainHash` from the body's digest (`xxh128(body)`, which does not depend on the body's place
 * in the chain: it can be computed ahead, `bodyDigestsInSlices`).
 */
export function chainLink(previous: string, bodyDigest: string): string {
  chained += 1
  return xxh128(previous + bodyDigest)
}

/**
 * How many chaining hashes this process has computed: the work a node does per batch it takes
 * (~1.7 µs each here). Tests use it to show that a peer's answer was refused before it.
 */
export function chainHashes(): number {
  return chained
}

/**
 * How many characters (or bytes) `xxh128` has hashed in this process. Tests use it to see how
 * much hashing one turn of the event loop did.
 */
export function xxh128Length(): number {
  return hashedLength
}
