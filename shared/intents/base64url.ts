/*
 * Base64url without padding (RFC 4648 §5), for the binary fields of compact batch items. The
 * decoder is strict: only the alphabet, exactly the length `byteLength` bytes take, and the
 * unused low bits of the last character zero, so a byte string has one spelling only.
 */

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

const valueOf = new Int8Array(128).fill(-1)
for (let index = 0; index < alphabet.length; index++) valueOf[alphabet.charCodeAt(index)] = index

/** The unpadded base64url spelling of `bytes`. */
export function bytesToBase64url(bytes: Uint8Array): string {
  let text = ''
  for (let index = 0; index < bytes.length; index += 3) {
    const chunk = (bytes[index]! << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0)
    const characters = Math.min(4, Math.ceil(((bytes.length - index) * 8) / 6))
    for (let shift = 18, count = 0; count < characters; shift -= 6, count++) {
      text += alphabet[(chunk >> shift) & 63]
    }
  }
  return text
}

/**
 * The `byteLength` bytes `text` spells, or undefined when it is not their canonical unpadded
 * base64url spelling.
 */
export function base64urlToBytes(text: string, byteLength: number): Uint8Array | undefined {
  if (text.length !== Math.ceil((byteLength * 8) / 6)) return undefined
  const bytes = new Uint8Array(byteLength)
  let buffer = 0
  let bits = 0
  let written = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    const value = code < 128 ? valueOf[code]! : -1
    if (value < 0) return undefined
    buffer = ((buffer << 6) | value) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[written++] = (buffer >> bits) & 0xff
    }
  }
  // Left-over bits (at most 4) must be zero: otherwise two spellings would give these bytes.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined
  return bytes
}
