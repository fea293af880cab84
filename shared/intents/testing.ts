import { secp256k1Order } from './signature.ts'

/*
 * Helpers for this module's tests only; not exported from the module façade.
 */

/** The same signature with s replaced by n - s and v flipped: equally valid, other bytes. */
export function toHighS(signature: string): `0x${string}` {
  const hex = signature.replace(/^0x/, '')
  const s = BigInt(`0x${hex.slice(64, 128)}`)
  const v = Number.parseInt(hex.slice(128), 16)
  const twinS = (secp256k1Order - s).toString(16).padStart(64, '0')
  const twinV = (v >= 27 ? 27 + ((v - 27) ^ 1) : v ^ 1).toString(16).padStart(2, '0')
  return `0x${hex.slice(0, 64)}${twinS}${twinV}`
}

/** The same signature with v written as 0/1 instead of 27/28. */
export function toZeroOneV(signature: string): `0x${string}` {
  const hex = signature.replace(/^0x/, '')
  const v = Number.parseInt(hex.slice(128), 16)
  return `0x${hex.slice(0, 128)}${(v >= 27 ? v - 27 : v).toString(16).padStart(2, '0')}`
}
