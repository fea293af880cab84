import type { Hex } from 'viem'

/*
 * Addresses and intent ids are stored as raw bytes (see `schema.ts`); everything outside the
 * store uses canonical lowercase `0x` hex, so the conversion happens here and only here.
 */

/** The bytes of a `0x` hex string (canonical lowercase, as addresses and ids are here). */
export function hexToBytes(hex: string): Buffer {
  // Buffer.from stops silently at the first non-hex digit; a key must never be truncated.
  if (!/^0x(?:[0-9a-f]{2})+$/.test(hex)) throw new TypeError(`not lowercase 0x hex: ${hex}`)
  return Buffer.from(hex.slice(2), 'hex')
}

/** Lowercase `0x` hex of stored bytes. */
export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}
