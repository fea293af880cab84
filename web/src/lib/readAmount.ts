import { parseAmount } from '../../../shared/intents/index.ts'
import { decimalInputErrorText, parseDecimalInput } from './parseDecimalInput.ts'

/** A field's text read as an amount, or the sentence that says why it is not one. */
export type ReadAmountReturnType =
  | { readonly ok: true; readonly units: bigint; readonly text: string }
  | { readonly ok: false; readonly text: string }

/**
 * Reads a typed or pasted amount (`parseDecimalInput`: separators, `.5`, no exponent) and then
 * checks it as the replicas will (`parseAmount`: positive, at most `decimals` digits). `text`
 * is the canonical decimal that goes into the signed intent.
 */
export function readAmount(input: string, decimals: number): ReadAmountReturnType {
  const read = parseDecimalInput(input)
  if (!read.ok) {
    const text =
      read.reason === 'exponent'
        ? `Write ${input.trim()} out in full (1000, not 1e3).`
        : decimalInputErrorText(read.reason)
    return { ok: false, text }
  }
  const parsed = parseAmount(read.value, decimals)
  if (parsed.ok) return { ok: true, units: parsed.value, text: read.value }
  const text =
    parsed.reason === 'amount_too_precise'
      ? `At most ${decimals} decimals.`
      : parsed.reason === 'amount_too_large'
        ? 'That number is too large.'
        : 'Enter a positive number.'
  return { ok: false, text }
}
