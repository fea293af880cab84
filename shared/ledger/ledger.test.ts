import { describe, expect, it } from 'vitest'
import { BaseError } from '../errors/index.ts'
import { LedgerInvariantError } from './errors.ts'
import { alice, bob, carol, setUpLedger, t0 } from './testing.ts'
import { nonceWindowSize } from './nonceWindow.ts'

describe('Ledger as EscrowAccounts', () => {
  it('locks from available and refuses, changing nothing, when short', () => {
    const ledger = setUpLedger()
    expect(ledger.lock(alice, 'USDT', 400_000_000n)).toBe(true)
    const after = { available: 600_000_000n, locked: 400_000_000n }
    expect(ledger.balance(alice, 'USDT')).toEqual(after)
    expect(ledger.lock(alice, 'USDT', 600_000_001n)).toBe(false)
    expect(ledger.balance(alice, 'USDT')).toEqual(after)
    expect(ledger.lock(carol, 'ETH', 1n)).toBe(false)
  })

  it('unlocks back to available and throws when asked to unlock more than locked', () => {
    const ledger = setUpLedger()
    ledger.lock(alice, 'USDT', 10n)
    ledger.unlock(alice, 'USDT', 4n)
    expect(ledger.balance(alice, 'USDT')).toEqual({ available: 999_999_994n, locked: 6n })
    expect(() => ledger.unlock(alice, 'USDT', 7n)).toThrow(LedgerInvariantError)
    expect(() => ledger.unlock(alice, 'USDT', 7n)).toThrow(BaseError)
  })

  it('moves locked funds of one account to the available balance of another (a fill)', () => {
    const ledger = setUpLedger()
    ledger.lock(bob, 'ETH', 10n ** 18n)
    ledger.transferLocked(bob, alice, 'ETH', 4n * 10n ** 17n)
    const bobEth = { available: 4n * 10n ** 18n, locked: 6n * 10n ** 17n }
    expect(ledger.balance(bob, 'ETH')).toEqual(bobEth)
    expect(ledger.balance(alice, 'ETH')).toEqual({ available: 4n * 10n ** 17n, locked: 0n })
    expect(() => ledger.transferLocked(bob, alice, 'ETH', 10n ** 18n)).toThrow(/locked/)
    expect(ledger.supply('ETH')).toBe(5n * 10n ** 18n)
  })

  it('treats zero amounts as no-ops and negative ones as bugs', () => {
    const ledger = setUpLedger()
    expect(ledger.lock(carol, 'USDT', 0n)).toBe(true)
    expect(() => ledger.lock(alice, 'USDT', -1n)).toThrow(LedgerInvariantError)
    expect(() => ledger.unlock(alice, 'USDT', -1n)).toThrow(LedgerInvariantError)
  })

  it('refuses writes with a non-canonical address or an unknown token', () => {
    const ledger = setUpLedger()
    expect(() => ledger.lock(alice.toUpperCase(), 'USDT', 1n)).toThrow(/address/)
    expect(() => ledger.lock('alice', 'USDT', 1n)).toThrow(/address/)
    expect(() => ledger.lock(alice, 'DAI', 1n)).toThrow(/unknown token/)
    expect(() => ledger.lock(alice, '__proto__', 1n)).toThrow(/unknown token/)
  })

  it('reads zero for anything unknown', () => {
    const ledger = setUpLedger()
    expect(ledger.available(carol, 'USDT')).toBe(0n)
    expect(ledger.locked('not an address', 'DAI')).toBe(0n)
    expect(ledger.supply('DAI')).toBe(0n)
  })
})

describe('Ledger.takeChanges', () => {
  const noChanges = { balances: [], nonces: [], evictedNonces: [], nonceWindows: [] }

  it('starts empty after genesis', () => {
    expect(setUpLedger().takeChanges()).toEqual(noChanges)
  })

  it('lists each touched (address, token) once, sorted, with its current balance', () => {
    const ledger = setUpLedger()
    ledger.useNonce(bob, 9n, t0)
    ledger.transfer(bob, carol, 'ETH', 1n)
    ledger.lock(alice, 'USDT', 5n)
    ledger.unlock(alice, 'USDT', 5n)
    ledger.lock(bob, 'ETH', 5n * 10n ** 18n - 1n)
    expect(ledger.takeChanges()).toEqual({
      balances: [
        { address: alice, token: 'USDT', available: 1_000_000_000n, locked: 0n },
        { address: bob, token: 'ETH', available: 0n, locked: 5n * 10n ** 18n - 1n },
        { address: carol, token: 'ETH', available: 1n, locked: 0n },
      ],
      nonces: [{ signer: bob, nonce: 9n }],
      evictedNonces: [],
      nonceWindows: [{ signer: bob, nonces: [9n] }],
    })
    expect(ledger.takeChanges()).toEqual(noChanges)
  })

  it('gives the window after the changes of each signer whose window changed, once', () => {
    const ledger = setUpLedger()
    const nonce = (n: number) => BigInt(t0 + n)
    const full = Array.from({ length: nonceWindowSize }, (_, i) => nonce(i))
    for (const n of full) ledger.useNonce(alice, n, t0)
    ledger.takeChanges()
    // Two nonces of Alice evict her two smallest; Carol, with no account, is released again.
    ledger.useNonce(alice, nonce(200), t0)
    ledger.useNonce(carol, nonce(1), t0)
    ledger.releaseNonce(carol, nonce(1))
    ledger.useNonce(alice, nonce(201), t0)
    ledger.useNonce(bob, nonce(1), t0)
    const changes = ledger.takeChanges()
    expect(changes.evictedNonces.map((used) => used.nonce)).toEqual([full[0], full[1]])
    expect(changes.nonceWindows).toEqual([
      { signer: alice, nonces: [...full.slice(2), nonce(200), nonce(201)] },
      { signer: bob, nonces: [nonce(1)] },
    ])
    // A copy: later nonces do not change what was taken.
    ledger.useNonce(bob, nonce(2), t0)
    expect(changes.nonceWindows[1]!.nonces).toEqual([nonce(1)])
  })

  it('records nothing for refused operations', () => {
    const ledger = setUpLedger()
    ledger.takeChanges()
    expect(ledger.transfer(carol, alice, 'USDT', 1n)).toBe(false)
    expect(ledger.lock(alice, 'USDT', 10n ** 12n)).toBe(false)
    expect(ledger.lock(carol, 'ETH', 1n)).toBe(false)
    expect(ledger.takeChanges()).toEqual(noChanges)
    // Not even an empty entry is left for the refused stranger.
    expect(ledger.addresses()).not.toContain(carol)
    expect(ledger.hasAccount(carol)).toBe(false)
  })
})
