import { keccak256Bytes } from './keccak.ts'

const encoder = new TextEncoder()

/**
 * EIP-191 `personal_sign` hash of a UTF-8 text:
 * `keccak256("\x19Ethereum Signed Message:\n" + byteLength + text)`. Same result as viem's
 * `hashMessage`, written out to skip the hex round trips on the replica's hot path.
 */
export function hashPersonalMessage(text: string): Uint8Array {
  const body = encoder.encode(text)
  const prefix = encoder.encode(`\x19Ethereum Signed Message:\n${body.length}`)
  const message = new Uint8Array(prefix.length + body.length)
  message.set(prefix)
  message.set(body, prefix.length)
  return keccak256Bytes(message)
}
