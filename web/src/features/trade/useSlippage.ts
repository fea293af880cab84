import { useState } from 'react'
import { defaultSlippageBps, slippageChoicesBps } from './orderForm.ts'

/** localStorage key of the trader's market order bound, in basis points. */
const slippageStorageKey = 'zellular-slippage-bps'

/** A stored bound, if it is one of the choices the form offers; else the default. */
export function parseSlippage(stored: string | null | undefined): bigint {
  const choice = slippageChoicesBps.find((bps) => bps.toString() === stored)
  return choice ?? defaultSlippageBps
}

/**
 * The market order bound the trader picked, remembered across markets and visits (a form is
 * made anew for each market, so the choice lives in storage, not in the form's state).
 */
export function useSlippage(): [bigint, (bps: bigint) => void] {
  const [bps, setBps] = useState(() => {
    try {
      return parseSlippage(window.localStorage.getItem(slippageStorageKey))
    } catch {
      // Storage can be off (privacy settings): the default then, for this page.
      return defaultSlippageBps
    }
  })
  const choose = (next: bigint) => {
    setBps(next)
    try {
      window.localStorage.setItem(slippageStorageKey, next.toString())
    } catch {
      // Not remembered: the choice still holds on this page.
    }
  }
  return [bps, choose]
}
