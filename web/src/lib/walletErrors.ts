/** What went wrong with a wallet request, in the terms the UI speaks. */
export type WalletErrorKind =
  /** The user said no in the wallet (EIP-1193 4001). Shown neutrally, not as a failure. */
  | 'rejected'
  /** Another request is already open in the wallet (MetaMask -32002). */
  | 'pending'
  /** The account is not connected or not authorised (4100). */
  | 'unauthorized'
  /** The wallet does not support the method (4200). */
  | 'unsupported'
  | 'other'

const rejectedPattern = /user (rejected|denied|cancell?ed)|rejected the request|action_rejected/i
const pendingPattern = /already pending|request already/i

/**
 * Classifies an error thrown by wagmi/viem or a raw EIP-1193 provider by walking its `cause`
 * chain for an EIP-1193 code (as viem's `BaseError.walk` does), falling back to the message.
 */
export function classifyWalletError(error: unknown): WalletErrorKind {
  const seen = new Set<unknown>()
  let current: unknown = error
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    seen.add(current)
    const { code, message, cause } = current as {
      code?: unknown
      message?: unknown
      cause?: unknown
    }
    if (code === 4001 || code === 'ACTION_REJECTED') return 'rejected'
    if (code === -32002) return 'pending'
    if (code === 4100) return 'unauthorized'
    if (code === 4200) return 'unsupported'
    if (typeof message === 'string') {
      if (rejectedPattern.test(message)) return 'rejected'
      if (pendingPattern.test(message)) return 'pending'
    }
    current = cause
  }
  return 'other'
}

/** One line for a person; `shortMessage` of viem errors when there is one. */
export function walletErrorMessage(error: unknown): string {
  switch (classifyWalletError(error)) {
    case 'rejected':
      return 'You rejected the request in your wallet.'
    case 'pending':
      return 'A request is already open in your wallet. Open MetaMask to finish it.'
    case 'unauthorized':
      return 'The wallet did not authorise this account. Reconnect and try again.'
    case 'unsupported':
      return 'Your wallet does not support this request.'
    case 'other': {
      const short = (error as { shortMessage?: unknown })?.shortMessage
      if (typeof short === 'string') return short
      return error instanceof Error ? error.message : String(error)
    }
  }
}
