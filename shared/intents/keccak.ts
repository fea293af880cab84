import { createKeccak, type IHasher } from 'hash-wasm'
import { bytesToHex, keccak256, type Hex } from 'viem'

let wasmHasher: IHasher | undefined

/**
 * Loads a WebAssembly keccak-256 (hash-wasm) for the hashes on the verification path: the
 * EIP-191 message hash, the signer's address and the intent id. On 100–500 byte inputs it is
 * about 30 times faster than the JavaScript implementation, which is used until this resolves
 * (and forever if it is never called). Both give identical digests; awaiting this is optional.
 */
export async function initKeccak(): Promise<void> {
  wasmHasher ??= await createKeccak(256)
}

/** keccak-256 of `data`, with the WebAssembly hasher once `initKeccak` has loaded it. */
export function keccak256Bytes(data: Uint8Array): Uint8Array {
  const hasher = wasmHasher
  if (hasher === undefined) return keccak256(data, 'bytes')
  hasher.init()
  hasher.update(data)
  return hasher.digest('binary')
}

/** keccak-256 of `data` as `0x` hex, with the WebAssembly hasher once it is loaded. */
export function keccak256Hex(data: Uint8Array): Hex {
  return bytesToHex(keccak256Bytes(data))
}
