/*
 * A SHA-256 (FIPS 180-4) compression kernel in WebAssembly, for the state tree's hot loops: the
 * inner nodes of a level hashed in one call (`hashPairs`), and short messages without the
 * per-call set-up, copies and digest array of a general hasher (`hashInto`). WebAssembly runs
 * a block in about half the time of the JavaScript kernel (`sha256Js.ts`), whose 32-bit
 * arithmetic V8 cannot keep as tight.
 *
 * The module is written here, instruction by instruction (`sha256Module`), rather than shipped
 * as a binary: about 6 KB made in a millisecond, readable and reviewable like the rest of the
 * code. The 64 rounds are unrolled with the working variables renamed instead of moved, and the
 * message schedule kept in 16 locals (the rolling window of FIPS 180-4 §6.2.2).
 *
 * Memory (one 64 KB page): the hash state at 0 (8 words, little-endian: internal), the
 * padding block of a 64-byte message at 64, then areas for pairs, their digests and a message
 * (`sha256WasmLayout`). Exports:
 * `start()` sets the state to the initial value; `blocks(at, count)` compresses `count` blocks
 * from byte `at`; `finish(at)` writes the digest big-endian at `at`; `pairs(at, count, out)`
 * hashes `count` 64-byte messages from `at`, their digests to `out` one after another.
 */

import { initialState, padLastBlocks, roundConstants } from './sha256Spec.ts'

const i32 = 0x7f
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  load: 0x28,
  store: 0x36,
  const: 0x41,
  eqz: 0x45,
  add: 0x6a,
  sub: 0x6b,
  and: 0x71,
  or: 0x72,
  xor: 0x73,
  shrU: 0x76,
  rotl: 0x77,
  rotr: 0x78,
} as const

function unsignedLeb(value: number): number[] {
  const bytes: number[] = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    bytes.push(byte)
  } while (value !== 0)
  return bytes
}

function signedLeb(value: number): number[] {
  const bytes: number[] = []
  value |= 0
  for (;;) {
    const byte = value & 0x7f
    value >>= 7
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)
    bytes.push(done ? byte : byte | 0x80)
    if (done) return bytes
  }
}

/** A length-prefixed vector of already encoded items. */
function vector(items: readonly number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()]
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content]
}

const name = (text: string) => [...unsignedLeb(text.length), ...new TextEncoder().encode(text)]

/** Instructions of one function body, with the few shapes SHA-256 needs. */
class Code {
  readonly bytes: number[] = []
  get(local: number): this {
    this.bytes.push(op.localGet, ...unsignedLeb(local))
    return this
  }
  set(local: number): this {
    this.bytes.push(op.localSet, ...unsignedLeb(local))
    return this
  }
  const(value: number): this {
    this.bytes.push(op.const, ...signedLeb(value))
    return this
  }
  op(...codes: number[]): this {
    this.bytes.push(...codes)
    return this
  }
  /** i32.load or i32.store at the address on the stack plus `offset`, 4-byte aligned. */
  memory(code: typeof op.load | typeof op.store, offset: number): this {
    this.bytes.push(code, 2, ...unsignedLeb(offset))
    return this
  }
  /** x rotr a ^ x rotr b ^ (x rotr or shr c): the σ and Σ functions. */
  sigma(local: number, a: number, b: number, c: number, shift: boolean): this {
    this.get(local).const(a).op(op.rotr)
    this.get(local).const(b).op(op.rotr, op.xor)
    return this.get(local)
      .const(c)
      .op(shift ? op.shrU : op.rotr, op.xor)
  }
  /** Reverses the bytes of the i32 on the stack (loads are little-endian, SHA-256 is not). */
  byteSwap(scratch: number): this {
    this.set(scratch)
    this.get(scratch).const(8).op(op.rotl).const(0x00ff00ff).op(op.and)
    return this.get(scratch).const(8).op(op.rotr).const(0xff00ff00).op(op.and, op.or)
  }
}

/**
 * Where things are in the module's memory (bytes): the pairs `hashPairs` hashes and their
 * digests, and apart from them the message `hashInto` hashes, so a message can be hashed while
 * pairs are queued.
 */
export const sha256WasmLayout = {
  padding: 64,
  pairs: 1024,
  pairsMax: 256,
  digests: 1024 + 256 * 64,
  message: 1024 + 256 * 96,
  /** Whole blocks of a message copied in at a time (to the end of the 64 KB page). */
  messageBlocks: (65_536 - (1024 + 256 * 96)) >>> 6,
} as const

/**
 * compress(at): one block from byte `at` into the state at 0. Locals: 0 `at`; 1–8 the working
 * variables; 9–24 the schedule window; 25 a scratch.
 */
function compressBody(): number[] {
  const code = new Code()
  const at = 0
  const window = (t: number) => 9 + (t & 15)
  const scratch = 25
  for (let i = 0; i < 8; i++)
    code
      .const(0)
      .memory(op.load, 4 * i)
      .set(1 + i)
  for (let t = 0; t < 16; t++)
    code
      .get(at)
      .memory(op.load, 4 * t)
      .byteSwap(scratch)
      .set(window(t))
  // names[0..7] hold a..h of the current round; each round writes its new e over d and its
  // new a over h, then renames instead of moving seven values.
  let names: [number, number, number, number, number, number, number, number] = [
    1, 2, 3, 4, 5, 6, 7, 8,
  ]
  for (let t = 0; t < 64; t++) {
    if (t >= 16) {
      // w[t] = σ1(w[t−2]) + w[t−7] + σ0(w[t−15]) + w[t−16], over w[t−16]'s local.
      code
        .sigma(window(t - 2), 17, 19, 10, true)
        .get(window(t - 7))
        .op(op.add)
      code.sigma(window(t - 15), 7, 18, 3, true).op(op.add)
      code.get(window(t)).op(op.add).set(window(t))
    }
    const [a, b, c, d, e, f, g, h] = names
    // T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + w[t], with Ch = g ^ (e & (f ^ g)); kept in h.
    code.get(h).sigma(e, 6, 11, 25, false).op(op.add)
    code.get(g).get(e).get(f).get(g).op(op.xor, op.and, op.xor, op.add)
    code.const(roundConstants[t]!).op(op.add).get(window(t)).op(op.add).set(h)
    // e' = d + T1 (over d); a' = T1 + Σ0(a) + Maj(a, b, c) (over h),
    // with Maj = (a & b) | (c & (a | b)).
    code.get(d).get(h).op(op.add).set(d)
    code.get(h).sigma(a, 2, 13, 22, false).op(op.add)
    code.get(a).get(b).op(op.and).get(c).get(a).get(b).op(op.or, op.and, op.or, op.add).set(h)
    names = [h, a, b, c, d, e, f, g]
  }
  for (let i = 0; i < 8; i++) {
    code
      .const(0)
      .const(0)
      .memory(op.load, 4 * i)
      .get(names[i]!)
      .op(op.add)
      .memory(op.store, 4 * i)
  }
  return [...vector([[26, i32]]), ...code.bytes, op.end]
}

/** start(): the state to its initial value. */
function startBody(): number[] {
  const code = new Code()
  initialState.forEach((word, i) =>
    code
      .const(0)
      .const(word)
      .memory(op.store, 4 * i),
  )
  return [0, ...code.bytes, op.end]
}

/** A loop over `count` (local `counter`), `body` run while it is not zero, then decremented. */
function countedLoop(code: Code, counter: number, body: (code: Code) => void): void {
  code.op(op.block, 0x40, op.loop, 0x40)
  code.get(counter).op(op.eqz, op.brIf, 1)
  body(code)
  code.get(counter).const(1).op(op.sub).set(counter)
  code.op(op.br, 0, op.end, op.end)
}

/** blocks(at, count): compresses `count` blocks from `at`. Functions: 0 compress. */
function blocksBody(): number[] {
  const code = new Code()
  countedLoop(code, 1, (loop) => {
    loop.get(0).op(op.call, 0)
    loop.get(0).const(64).op(op.add).set(0)
  })
  return [0, ...code.bytes, op.end]
}

/** finish(at): the state's 8 words big-endian at `at`. Local 1: a scratch. */
function finishBody(): number[] {
  const code = new Code()
  for (let i = 0; i < 8; i++) {
    code
      .get(0)
      .const(0)
      .memory(op.load, 4 * i)
      .byteSwap(1)
      .memory(op.store, 4 * i)
  }
  return [...vector([[1, i32]]), ...code.bytes, op.end]
}

/** pairs(at, count, out): SHA-256 of each 64-byte message. Calls 0 compress, 1 start, 3 finish. */
function pairsBody(): number[] {
  const code = new Code()
  countedLoop(code, 1, (loop) => {
    loop.op(op.call, 1)
    loop.get(0).op(op.call, 0)
    loop.const(sha256WasmLayout.padding).op(op.call, 0)
    loop.get(2).op(op.call, 3)
    loop.get(0).const(64).op(op.add).set(0)
    loop.get(2).const(32).op(op.add).set(2)
  })
  return [0, ...code.bytes, op.end]
}

/** The module's bytes (version 1 of the WebAssembly binary format). */
export function sha256Module(): Uint8Array<ArrayBuffer> {
  const types = [
    [0x60, ...vector([[i32]]), 0], // (at) → ()
    [0x60, 0, 0], // () → ()
    [0x60, ...vector([[i32], [i32]]), 0], // (at, count) → ()
    [0x60, ...vector([[i32], [i32], [i32]]), 0], // (at, count, out) → ()
  ]
  // compress, start, blocks, finish, pairs
  const functions = [[0], [1], [2], [0], [3]]
  const exports = [
    [...name('memory'), 2, 0],
    [...name('start'), 0, 1],
    [...name('blocks'), 0, 2],
    [...name('finish'), 0, 3],
    [...name('pairs'), 0, 4],
  ]
  const bodies = [compressBody(), startBody(), blocksBody(), finishBody(), pairsBody()]
  // The padding block of every 64-byte message: 0x80, zeros, the length in bits (512).
  const padding = new Array<number>(64).fill(0)
  padding[0] = 0x80
  padding[62] = 0x02
  const data = [0, op.const, ...signedLeb(sha256WasmLayout.padding), op.end, 64, ...padding]
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(3, vector(functions)),
    ...section(5, vector([[0, 1]])),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies.map((body) => [...unsignedLeb(body.length), ...body]))),
    ...section(11, vector([data])),
  ])
}

interface Sha256Exports {
  readonly memory: WebAssembly.Memory
  start(): void
  blocks(at: number, count: number): void
  finish(at: number): void
  pairs(at: number, count: number, out: number): void
}

/** The kernel once instantiated: the module's exports and a view of its memory. */
export class Sha256Wasm {
  /** The module's memory, for writing pairs and reading their digests (`sha256WasmLayout`). */
  readonly memory: Uint8Array
  constructor(private readonly exports: Sha256Exports) {
    this.memory = new Uint8Array(exports.memory.buffer)
  }

  /**
   * SHA-256 of each of the `count` (at most `pairsMax`) 64-byte messages written from `pairs`;
   * their digests are from `digests`, 32 bytes each, in order.
   */
  hashPairs(count: number): void {
    this.exports.pairs(sha256WasmLayout.pairs, count, sha256WasmLayout.digests)
  }

  /** SHA-256 of `length` bytes of `source` from `offset`, written at `targetOffset` of `target`. */
  hashInto(
    source: Uint8Array,
    offset: number,
    length: number,
    target: Uint8Array,
    targetOffset: number,
  ): void {
    const { message: input, messageBlocks } = sha256WasmLayout
    const memory = this.memory
    this.exports.start()
    let done = 0
    // Whole blocks, a full input area at a time; then the rest with its padding.
    while (length - done >= 64) {
      const blocks = Math.min(messageBlocks, (length - done) >>> 6)
      this.copyIn(source, offset + done, 64 * blocks)
      this.exports.blocks(input, blocks)
      done += 64 * blocks
    }
    const rest = length - done
    this.copyIn(source, offset + done, rest)
    const blocks = padLastBlocks(memory, input, rest, length)
    this.exports.blocks(input, blocks)
    this.exports.finish(input)
    for (let i = 0; i < 32; i++) target[targetOffset + i] = memory[input + i]!
  }

  /** Copies `length` bytes of `source` from `offset` to the message area. */
  private copyIn(source: Uint8Array, offset: number, length: number): void {
    const { memory } = this
    const input = sha256WasmLayout.message
    // A view costs more than a byte loop over a short input, and less over a long one.
    if (length > 256) memory.set(source.subarray(offset, offset + length), input)
    else for (let i = 0; i < length; i++) memory[input + i] = source[offset + i]!
  }
}

/** Compiles and instantiates the kernel. */
export async function loadSha256Wasm(): Promise<Sha256Wasm> {
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(sha256Module()))
  return new Sha256Wasm(instance.exports as unknown as Sha256Exports)
}
