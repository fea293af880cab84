import { describe, expect, it } from 'vitest'
import { applyIntent, claimNonce } from './applyIntent.ts'
import { createLedger } from './genesis.ts'
import { alice, bob, carol, genesis, issuer, setUpLedger, verified, t0 } from './testing.ts'

const ledger0 = setUpLedger()
const transfer = (signer: string, nonce: number, to: string, amount: string, token = 'USDT') =>
  verified(ledger0.tokens, { action: 'transfer', signer, nonce, to, token, amount })
const mint = (signer: string, nonce: number, to: string, amount: string, token = 'USDT') =>
  verified(ledger0.tokens, { action: 'mint', signer, nonce, to, token, amount })

describe('applyIntent: transfer', () => {
  it('moves available funds and returns an applied receipt', () => {
    const ledger = setUpLedger()
    const intent = transfer(alice, 1, bob, '250.5')
    expect(applyIntent(ledger, intent, t0)).toEqual({ intentId: intent.id, status: 'applied' })
    expect(ledger.available(alice, 'USDT')).toBe(749_500_000n)
    expect(ledger.available(bob, 'USDT')).toBe(250_500_000n)
    expect(ledger.supply('USDT')).toBe(1_000_000_000n)
  })

  it('refuses more than the available balance, even if locked funds would cover it', () => {
    const ledger = setUpLedger()
    ledger.lock(alice, 'USDT', 1n)
    const intent = transfer(alice, 1, bob, '1000')
    expect(applyIntent(ledger, intent, t0)).toEqual({
      intentId: intent.id,
      status: 'rejected',
      reason: 'insufficient_available',
    })
    expect(ledger.available(alice, 'USDT')).toBe(999_999_999n)
  })

  it('refuses a transfer to oneself', () => {
    const ledger = setUpLedger()
    expect(applyIntent(ledger, transfer(alice, 1, alice, '1'), t0)).toMatchObject({
      status: 'rejected',
      reason: 'self_transfer',
    })
  })
})

describe('applyIntent: mint', () => {
  it('mints for the issuer, to anyone, raising the supply', () => {
    const ledger = setUpLedger()
    expect(applyIntent(ledger, mint(issuer, 1, carol, '5'), t0)).toMatchObject({
      status: 'applied',
    })
    expect(ledger.available(carol, 'USDT')).toBe(5_000_000n)
    expect(ledger.supply('USDT')).toBe(1_005_000_000n)
  })

  it('refuses a mint by anyone else', () => {
    const ledger = setUpLedger()
    expect(applyIntent(ledger, mint(alice, 1, alice, '5'), t0)).toMatchObject({
      status: 'rejected',
      reason: 'not_issuer',
    })
    expect(ledger.supply('USDT')).toBe(1_000_000_000n)
  })

  it('refuses a mint that would take the supply past uint128', () => {
    const ledger = createLedger({ ...genesis, balances: [] })
    const max = '340282366920938463463374607431768.211455'
    expect(applyIntent(ledger, mint(issuer, 1, carol, max), t0)).toMatchObject({
      status: 'applied',
    })
    expect(applyIntent(ledger, mint(issuer, 2, carol, '0.000001'), t0)).toMatchObject({
      status: 'rejected',
      reason: 'supply_cap_exceeded',
    })
  })

  it('refuses a token the ledger does not know, or knows with other decimals', () => {
    const ledger = createLedger({ issuer, tokens: [{ symbol: 'USDT', decimals: 2 }], balances: [] })
    const usdtOnly = genesis.tokens.slice(1)
    const ledgerWithoutEth = createLedger({ ...genesis, tokens: usdtOnly, balances: [] })
    const reason = 'unknown_token'
    expect(applyIntent(ledger, mint(issuer, 1, carol, '1'), t0)).toMatchObject({ reason })
    expect(applyIntent(ledgerWithoutEth, mint(issuer, 1, carol, '1', 'ETH'), t0)).toMatchObject({
      reason,
    })
  })
})

describe('applyIntent: replay protection', () => {
  it('applies a (signer, nonce) once; the same intent again is rejected', () => {
    const ledger = setUpLedger()
    const intent = transfer(alice, 7, bob, '1')
    expect(applyIntent(ledger, intent, t0).status).toBe('applied')
    expect(applyIntent(ledger, intent, t0)).toEqual({
      intentId: intent.id,
      status: 'rejected',
      reason: 'nonce_already_used',
    })
    expect(ledger.available(bob, 'USDT')).toBe(1_000_000n)
  })

  it('rejects another intent that reuses a nonce, and allows nonces out of order', () => {
    const ledger = setUpLedger()
    expect(applyIntent(ledger, transfer(alice, 7, bob, '1'), t0).status).toBe('applied')
    expect(applyIntent(ledger, transfer(alice, 7, carol, '2'), t0)).toMatchObject({
      reason: 'nonce_already_used',
    })
    expect(applyIntent(ledger, transfer(alice, 3, carol, '2'), t0).status).toBe('applied')
    expect(applyIntent(ledger, transfer(bob, 7, carol, '1', 'ETH'), t0).status).toBe('applied')
  })

  it('consumes the nonce of a rejected intent, so it cannot succeed later', () => {
    const ledger = setUpLedger()
    const early = transfer(carol, 1, alice, '10')
    expect(applyIntent(ledger, early, t0)).toMatchObject({ reason: 'insufficient_available' })
    applyIntent(ledger, transfer(alice, 1, carol, '10'), t0)
    expect(applyIntent(ledger, early, t0)).toMatchObject({ reason: 'nonce_already_used' })
    expect(ledger.available(carol, 'USDT')).toBe(10_000_000n)
  })

  it('shares one nonce space with orderbook intents through claimNonce', () => {
    const ledger = setUpLedger()
    const intent = transfer(alice, 5, bob, '1')
    expect(claimNonce(ledger, intent, t0)).toBeUndefined()
    expect(claimNonce(ledger, intent, t0)).toEqual({
      intentId: intent.id,
      status: 'rejected',
      reason: 'nonce_already_used',
    })
    expect(applyIntent(ledger, intent, t0)).toMatchObject({ reason: 'nonce_already_used' })
    expect(ledger.takeChanges().nonces).toEqual([{ signer: alice, nonce: 5n }])
  })
})

describe('applyIntent: nonce window', () => {
  const T = 1_800_000_000_000 // a batch time, ms
  const day = 24 * 60 * 60 * 1000

  it('rejects a nonce outside (T − 2 days, T + 1 day) as expired, and spends it', () => {
    const ledger = setUpLedger()
    const old = transfer(alice, T - 2 * day, bob, '1')
    const ahead = transfer(alice, T + day, bob, '1')
    expect(applyIntent(ledger, old, T)).toMatchObject({ status: 'rejected', reason: 'expired' })
    expect(applyIntent(ledger, ahead, T)).toMatchObject({ reason: 'expired' })
    // A day later the second one would be in time, but it was spent.
    expect(applyIntent(ledger, ahead, T + day)).toMatchObject({ reason: 'nonce_already_used' })
    expect(applyIntent(ledger, transfer(alice, T + 1, bob, '1'), T).status).toBe('applied')
    expect(ledger.available(bob, 'USDT')).toBe(1_000_000n)
  })

  it('keeps the 100 highest nonces of a signer and refuses one below them', () => {
    const ledger = setUpLedger()
    for (let i = 1; i <= 101; i++) {
      expect(applyIntent(ledger, transfer(alice, T + i, bob, '0.000001'), T).status).toBe('applied')
    }
    expect(ledger.keptNonces(alice)).toHaveLength(100)
    expect(ledger.keptNonces(alice)[0]).toBe(BigInt(T + 2))
    // T + 1 was evicted: a replay of it is refused as too low, and so is any lower nonce.
    const replay = applyIntent(ledger, transfer(alice, T + 1, bob, '0.000001'), T)
    expect(replay).toMatchObject({ reason: 'nonce_too_low' })
    expect(applyIntent(ledger, transfer(alice, T, bob, '1'), T)).toMatchObject({
      reason: 'nonce_too_low',
    })
    const changes = ledger.takeChanges()
    expect(changes.nonces).toHaveLength(101)
    expect(changes.evictedNonces).toEqual([{ signer: alice, nonce: BigInt(T + 1) }])
  })
})
