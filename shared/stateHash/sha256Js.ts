import { initialState, padLastBlocks, roundConstants } from './sha256Spec.ts'

/*
 * The state hash's SHA-256 in JavaScript: what runs until the WebAssembly kernel is loaded
 * (`sha256.ts` picks), and in the browser, which never loads it.
 */

/**
 * SHA-256 of exactly 64 bytes (two 32-byte child hashes), read from one buffer and written into
 * another at given offsets: the inner node of the state tree (`stateTree.ts`), its most
 * frequent hash. Nothing is allocated, and the second block,
 * the padding of a 64-byte message, is the same for every node, so its message schedule (plus
 * the round constants) is computed once. Equal to SHA-256 (FIPS 180-4) on every input
 * (`sha256Js.test.ts` checks it against node's). Not reentrant: synchronous, one scratch.
 */
export function sha256PairJs(
  source: Uint8Array,
  sourceOffset: number,
  target: Uint8Array,
  targetOffset: number,
): void {
  loadWords(source, sourceOffset, 16)
  expandSchedule(schedule)
  state.set(initialState)
  compress(schedule)
  compress(paddingSchedule)
  writeState(target, targetOffset)
}

/** Reads `count` big-endian words from `offset` of `source` into the first words of `schedule`. */
function loadWords(source: Uint8Array, offset: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const at = offset + 4 * i
    schedule[i] =
      (source[at]! << 24) | (source[at + 1]! << 16) | (source[at + 2]! << 8) | source[at + 3]!
  }
}

/** Writes the 8 words of `state`, the digest, big-endian at `offset` of `target`. */
function writeState(target: Uint8Array, offset: number): void {
  for (let i = 0; i < 8; i++) {
    const word = state[i]!
    const at = offset + 4 * i
    target[at] = word >>> 24
    target[at + 1] = (word >>> 16) & 0xff
    target[at + 2] = (word >>> 8) & 0xff
    target[at + 3] = word & 0xff
  }
}

/**
 * SHA-256 of `length` bytes of `source` from `sourceOffset`, written at `targetOffset` of
 * `target` (which may overlap the input: it is read whole first). Any length; nothing
 * allocated.
 */
export function sha256IntoJs(
  source: Uint8Array,
  sourceOffset: number,
  length: number,
  target: Uint8Array,
  targetOffset: number,
): void {
  state.set(initialState)
  const whole = length >>> 6
  for (let block = 0; block < whole; block++) {
    loadWords(source, sourceOffset + 64 * block, 16)
    expandSchedule(schedule)
    compress(schedule)
  }
  // The last bytes and their padding, in a scratch block or two.
  const rest = length & 63
  const from = sourceOffset + 64 * whole
  for (let i = 0; i < rest; i++) tail[i] = source[from + i]!
  const blocks = padLastBlocks(tail, 0, rest, length)
  for (let block = 0; block < blocks; block++) {
    loadWords(tail, 64 * block, 16)
    expandSchedule(schedule)
    compress(schedule)
  }
  writeState(target, targetOffset)
}

/**
 * Expands a block's 16 words (FIPS 180-4 §6.2.2, step 1) to its 64-word schedule in place, and
 * adds each round's constant, which `compress` would otherwise add in every round.
 */
function expandSchedule(words: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const a = words[t - 15]!
    const b = words[t - 2]!
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
    words[t] = (words[t - 16]! + s0 + words[t - 7]! + s1) | 0
  }
  for (let t = 0; t < 64; t++) words[t] = (words[t]! + roundConstants[t]!) | 0
}

/** One SHA-256 compression of `state` with a block's schedule already added to the constants. */
function compress(scheduledWords: Int32Array): void {
  let a = state[0]!
  let b = state[1]!
  let c = state[2]!
  let d = state[3]!
  let e = state[4]!
  let f = state[5]!
  let g = state[6]!
  let h = state[7]!
  for (let t = 0; t < 64; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + scheduledWords[t]!) | 0
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  state[0] = (state[0]! + a) | 0
  state[1] = (state[1]! + b) | 0
  state[2] = (state[2]! + c) | 0
  state[3] = (state[3]! + d) | 0
  state[4] = (state[4]! + e) | 0
  state[5] = (state[5]! + f) | 0
  state[6] = (state[6]! + g) | 0
  state[7] = (state[7]! + h) | 0
}

const state = new Int32Array(8)
const schedule = new Int32Array(64)
/** The padded last block or two of `sha256IntoJs`. */
const tail = new Uint8Array(128)

/**
 * The second block of every 64-byte message: 0x80, zeros, and the length in bits (512) in its
 * last word; expanded to 64 words once, each plus its round constant.
 */
const paddingSchedule = (() => {
  const words = new Int32Array(64)
  words[0] = 0x80000000 | 0
  words[15] = 512
  expandSchedule(words)
  return words
})()
