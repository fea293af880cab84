import { sha256IntoJs, sha256PairJs } from './sha256Js.ts'
import { loadSha256Wasm, sha256WasmLayout, type Sha256Wasm } from './sha256Wasm.ts'

/*
 * The state hash's SHA-256, one place for which kernel runs: the WebAssembly one
 * (`sha256Wasm.ts`) once `initSha256` has loaded it, else the JavaScript one (`sha256Js.ts`),
 * which is used until then (and forever if it is never called, as in the browser, whose proofs
 * are a few dozen hashes). Both give identical digests (each is tested against node's).
 */

let wasm: Sha256Wasm | undefined
let loading: Promise<void> | undefined

/** Loads the WebAssembly kernel; resolves at once when it is loaded. */
export function initSha256(): Promise<void> {
  loading ??= loadSha256Wasm().then((kernel) => {
    wasm = kernel
  })
  return loading
}

/** Which kernel hashes now: the WebAssembly one once `initSha256` has loaded it. */
export function sha256Backend(): 'wasm' | 'js' {
  return wasm === undefined ? 'js' : 'wasm'
}

/** SHA-256 of `data`, a new array. */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  const digest = new Uint8Array(32)
  sha256Into(data, 0, data.length, digest, 0)
  return digest
}

/**
 * SHA-256 of `length` bytes of `source` from `offset`, written at `targetOffset` of `target`
 * (which may be where the input was: it is read whole first). Nothing allocated.
 */
export function sha256Into(
  source: Uint8Array,
  offset: number,
  length: number,
  target: Uint8Array,
  targetOffset: number,
): void {
  if (wasm === undefined) sha256IntoJs(source, offset, length, target, targetOffset)
  else wasm.hashInto(source, offset, length, target, targetOffset)
}

/**
 * SHA-256 of many 64-byte messages (the inner nodes of a tree level), each written where its
 * caller asks: `add` queues one, `flush` hashes what is queued (it also runs by itself when the
 * kernel's input area is full) and writes every digest. The WebAssembly kernel hashes a batch
 * in one call; without it, `add` hashes at once. Digests are written by `flush` at the latest,
 * so a message must not depend on a digest still queued (a level's nodes never do); other
 * hashes may run meanwhile.
 */
export class Sha256PairBatch {
  private readonly targets: Uint8Array[] = []
  private readonly targetOffsets = new Int32Array(sha256WasmLayout.pairsMax)
  private count = 0

  add(source: Uint8Array, offset: number, target: Uint8Array, targetOffset: number): void {
    const kernel = wasm
    if (kernel === undefined) {
      sha256PairJs(source, offset, target, targetOffset)
      return
    }
    const memory = kernel.memory
    const at = sha256WasmLayout.pairs + 64 * this.count
    for (let i = 0; i < 64; i++) memory[at + i] = source[offset + i]!
    this.targets[this.count] = target
    this.targetOffsets[this.count] = targetOffset
    if (++this.count === sha256WasmLayout.pairsMax) this.flush()
  }

  flush(): void {
    const count = this.count
    if (count === 0) return
    this.count = 0
    const kernel = wasm!
    kernel.hashPairs(count)
    const memory = kernel.memory
    for (let pair = 0; pair < count; pair++) {
      const target = this.targets[pair]!
      const targetOffset = this.targetOffsets[pair]!
      const from = sha256WasmLayout.digests + 32 * pair
      for (let i = 0; i < 32; i++) target[targetOffset + i] = memory[from + i]!
      this.targets[pair] = empty
    }
  }
}

/** What a flushed batch's target slots hold, so it keeps no page of a tree alive. */
const empty = new Uint8Array(0)
