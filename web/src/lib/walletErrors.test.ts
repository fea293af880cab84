import { UserRejectedRequestError } from 'viem'
import { describe, expect, it } from 'vitest'
import { classifyWalletError } from './walletErrors.ts'

describe('classifyWalletError', () => {
  it('finds EIP-1193 codes anywhere in the cause chain', () => {
    expect(classifyWalletError(new UserRejectedRequestError(new Error('x')))).toBe('rejected')
    expect(classifyWalletError({ code: 4001, message: 'nope' })).toBe('rejected')
    expect(classifyWalletError(new Error('outer', { cause: { code: -32002 } }))).toBe('pending')
    expect(classifyWalletError({ cause: { cause: { code: 4100 } } })).toBe('unauthorized')
    expect(classifyWalletError({ code: 4200 })).toBe('unsupported')
  })

  it('falls back to wallet messages and never loops on cycles', () => {
    expect(
      classifyWalletError(new Error('MetaMask Tx Signature: User denied message signature.')),
    ).toBe('rejected')
    expect(
      classifyWalletError(new Error("Request of type 'wallet_requestPermissions' already pending")),
    ).toBe('pending')
    const cyclic: { cause?: unknown } = {}
    cyclic.cause = cyclic
    expect(classifyWalletError(cyclic)).toBe('other')
    expect(classifyWalletError(undefined)).toBe('other')
  })
})
