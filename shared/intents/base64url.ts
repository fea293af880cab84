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

const hexDigitCodes = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0))

/**
 * The `byteLength` bytes `text` spells, as `0x` and lower-case hex (what the wire form of an
 * intent holds), or undefined when `text` is not their canonical unpadded base64url spelling.
 * Straight to hex, without bytes in between, and made in one piece (`fromCharCode`) rather than
 * by appending, since the regular expressions and hashing that read it next would first copy
 * an appended string flat: a replica decodes three such fields per intent of every batch.
 */
export function base64urlToHex(text: string, byteLength: number): `0x${string}` | undefined {
  if (text.length !== Math.ceil((byteLength * 8) / 6)) return undefined
  const codes = new Array<number>(2 + byteLength * 2)
  codes[0] = 0x30 // '0'
  codes[1] = 0x78 // 'x'
  let written = 2
  let buffer = 0
  let bits = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    const value = code < 128 ? valueOf[code]! : -1
    if (value < 0) return undefined
    buffer = ((buffer << 6) | value) & 0xffffff
    bits += 6
    while (bits >= 4 && written < codes.length) {
      bits -= 4
      codes[written++] = hexDigitCodes[(buffer >> bits) & 15]!
    }
  }
  // Left-over bits (at most 4) must be zero: otherwise two spellings would give these bytes.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined
  return String.fromCharCode(...codes) as `0x${string}`
}
