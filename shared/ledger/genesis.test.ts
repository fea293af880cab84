import { describe, expect, it } from 'vitest'
import { BaseError } from '../errors/index.ts'
import { LedgerConfigError } from './errors.ts'
import { createLedger, ledgerGenesisSchema } from './genesis.ts'
import { alice, bob, genesis, issuer } from './testing.ts'

describe('createLedger', () => {
  it('mints the genesis balances, so they make up the supply', () => {
    const ledger = createLedger(genesis)
    expect(ledger.issuer).toBe(issuer)
    expect(ledger.balance(alice, 'USDT')).toEqual({ available: 1_000_000_000n, locked: 0n })
    expect(ledger.supply('USDT')).toBe(1_000_000_000n)
    expect(ledger.supply('ETH')).toBe(5n * 10n ** 18n)
  })

  it('canonicalizes checksummed addresses', () => {
    const checksummed = '0xc66F8Fba940064B5bA8d437d6fF829E60134230E'
    const ledger = createLedger({
      ...genesis,
      issuer: checksummed,
      balances: [{ address: checksummed, token: 'ETH', amount: '1.5' }],
    })
    expect(ledger.issuer).toBe(checksummed.toLowerCase())
    expect(ledger.available(checksummed.toLowerCase(), 'ETH')).toBe(15n * 10n ** 17n)
  })

  it('accepts what its zod schema accepts, read from JSON', () => {
    const json = JSON.parse(JSON.stringify(genesis))
    expect(ledgerGenesisSchema.parse(json)).toEqual(genesis)
  })

  const withBalance = (address: string, token: string, amount: string) => ({
    ...genesis,
    balances: [...genesis.balances, { address, token, amount }],
  })
  it.each([
    ['a bad issuer', { ...genesis, issuer: '0x12' }, /issuer/],
    ['a bad token', { ...genesis, tokens: [{ symbol: 'eth', decimals: 18 }] }, /tokens/],
    ['an unknown token', withBalance(issuer, 'DAI', '1'), /unknown_token/],
    ['a zero amount', withBalance(issuer, 'ETH', '0'), /amount_not_positive/],
    ['a float-like amount', withBalance(issuer, 'ETH', '1e3'), /invalid_amount/],
    ['a bad address', withBalance('bob', 'ETH', '1'), /invalid_address/],
    ['a duplicate balance', withBalance(bob, 'ETH', '1'), /duplicate/],
  ])('refuses %s', (_, bad, message) => {
    expect(() => createLedger(bad)).toThrow(LedgerConfigError)
    expect(() => createLedger(bad)).toThrow(message)
  })

  it('says why in a BaseError whose cause is the parse failure', () => {
    const bad = { ...genesis, tokens: [{ symbol: 'eth', decimals: 18 }] }
    const error: unknown = (() => {
      try {
        createLedger(bad)
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(BaseError)
    const { shortMessage, message, cause } = error as BaseError
    expect(shortMessage).toBe(message)
    expect(cause).toBeInstanceOf(Error)
    expect((error as BaseError).walk()).toBe(cause)
  })
})
