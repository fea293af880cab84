import { createSHA256, type IHasher } from 'hash-wasm'
import { sha256 as sha256Js } from 'viem'

let wasmHasher: IHasher | undefined

/**
 * Loads a WebAssembly SHA-256 (hash-wasm) for the state hash: on the 32–1,500 byte inputs of
 * `StateTree` it is 2–3 times faster than the JavaScript implementation, which is used until
 * this resolves (and forever if it is never called). Both give identical digests.
 */
export async function initSha256(): Promise<void> {
  wasmHasher ??= await createSHA256()
}

/** SHA-256 of `data`, with the WebAssembly hasher once `initSha256` has loaded it. */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  const hasher = wasmHasher
  if (hasher === undefined) return sha256Js(data, 'bytes')
  hasher.init()
  hasher.update(data)
  return hasher.digest('binary')
}

/** Which SHA-256 `sha256Bytes` uses now: the WebAssembly one once `initSha256` has loaded it. */
export function sha256Backend(): 'wasm' | 'js' {
  return wasmHasher === undefined ? 'js' : 'wasm'
}
