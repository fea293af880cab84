import { keccak256, stringToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import { applyIntent } from './applyIntent.ts'
import { LedgerConfigError } from './errors.ts'
import { createLedger } from './genesis.ts'
import { restoreLedger, snapshotLedger, type LedgerSnapshot } from './snapshot.ts'
import { stateHash } from './stateHash.ts'
import { alice, bob, carol, genesis, issuer, setUpLedger, verified, t0 } from './testing.ts'

const tokens = setUpLedger().tokens
const pay = (signer: string, nonce: number, to: string, amount: string) =>
  verified(tokens, { action: 'transfer', signer, nonce, to, token: 'USDT', amount })

describe('stateHash', () => {
  it('hashes the documented serialization, pinned so a format change is deliberate', () => {
    const text = [
      'zellular-orderbook/ledger-state/v2',
      `issuer ${issuer}`,
      'token ETH 18',
      'token USDT 6',
      `balance ${alice} USDT 1000000000 0`,
      `balance ${bob} ETH 5000000000000000000 0`,
      `nonce ${bob} 3`,
      `nonce ${bob} 20`,
    ].join('\n')
    const ledger = setUpLedger()
    ledger.useNonce(bob, 20n, t0)
    ledger.useNonce(bob, 3n, t0)
    expect(stateHash(ledger)).toBe(keccak256(stringToBytes(text)))
    expect(stateHash(ledger)).toMatchInlineSnapshot(
      `"0x0886134cb4b39e2fbb92df9b919664bba22bc6623f9f6bb1d2c3da1181931128"`,
    )
  })

  it('depends on the state only, not on the path to it', () => {
    const forward = setUpLedger()
    applyIntent(forward, pay(alice, 1, carol, '10'), t0)
    applyIntent(forward, pay(alice, 2, bob, '5'), t0)
    const backward = setUpLedger()
    applyIntent(backward, pay(alice, 2, bob, '5'), t0)
    applyIntent(backward, pay(alice, 1, carol, '10'), t0)
    expect(stateHash(backward)).toBe(stateHash(forward))
    // A lock undone leaves a zero entry behind, which must not count.
    const relocked = setUpLedger()
    relocked.lock(carol, 'ETH', 0n)
    relocked.lock(alice, 'USDT', 5n)
    relocked.unlock(alice, 'USDT', 5n)
    expect(stateHash(relocked)).toBe(stateHash(setUpLedger()))
  })

  it('changes with every part of the state', () => {
    const base = stateHash(setUpLedger())
    const locked = setUpLedger()
    locked.lock(alice, 'USDT', 1n)
    const nonce = setUpLedger()
    nonce.useNonce(alice, 0n, t0)
    const otherIssuer = createLedger({ ...genesis, issuer: carol })
    const hashes = [locked, nonce, otherIssuer].map(stateHash)
    expect(new Set([base, ...hashes]).size).toBe(4)
  })

  it('survives a snapshot and restore, as a replica reloading from storage', () => {
    const ledger = setUpLedger()
    applyIntent(ledger, pay(alice, 9, carol, '10'), t0)
    ledger.lock(carol, 'USDT', 3n)
    applyIntent(ledger, pay(carol, 1, carol, '1'), t0)
    const snapshot = JSON.parse(
      JSON.stringify(snapshotLedger(ledger), (_, value) =>
        typeof value === 'bigint' ? `${value}n` : value,
      ),
    )
    const revived = reviveBigints(snapshot) as LedgerSnapshot
    const restored = restoreLedger(revived)
    expect(stateHash(restored)).toBe(stateHash(ledger))
    expect(restored.balance(carol, 'USDT')).toEqual({ available: 9_999_997n, locked: 3n })
    expect(restored.keptNonces(carol)).toEqual([1n])
    expect(restored.supply('USDT')).toBe(ledger.supply('USDT'))
    expect(restored.takeChanges()).toEqual({
      balances: [],
      nonces: [],
      evictedNonces: [],
      nonceWindows: [],
    })
  })
})

describe('restoreLedger', () => {
  const good = snapshotLedger(setUpLedger())
  it.each([
    ['a non-canonical address', { ...good, issuer: alice.toUpperCase() }],
    ['a negative balance', { ...good, balances: [{ ...good.balances[0], available: -1n }] }],
    ['a duplicate balance', { ...good, balances: [...good.balances, ...good.balances] }],
    ['an unknown token', { ...good, balances: [{ ...good.balances[0], token: 'DAI' }] }],
    ['a duplicate nonce', { ...good, nonceWindows: [{ signer: alice, nonces: [1n, 1n] }] }],
    ['descending nonces', { ...good, nonceWindows: [{ signer: alice, nonces: [2n, 1n] }] }],
    ['a nonce beyond uint64', { ...good, nonceWindows: [{ signer: alice, nonces: [2n ** 64n] }] }],
    ['a negative nonce', { ...good, nonceWindows: [{ signer: alice, nonces: [-1n] }] }],
    ['a signer twice', { ...good, nonceWindows: Array(2).fill({ signer: alice, nonces: [1n] }) }],
    [
      'more than a window',
      { ...good, nonceWindows: [{ signer: alice, nonces: [...Array(101).keys()].map(BigInt) }] },
    ],
  ])('refuses a snapshot with %s', (_, bad) => {
    expect(() => restoreLedger(bad as LedgerSnapshot)).toThrow(LedgerConfigError)
  })

  const max = '18446744073709551615'
  it.each([
    ['empty', ''],
    ['a leading zero', '1 02'],
    ['a duplicate nonce', '1 1'],
    ['descending nonces', '10 9'],
    ['descending nonces of equal length', '12 11'],
    ['a nonce beyond uint64', `1 ${max.slice(0, -1)}6`],
    ['a nonce of 21 digits', `1${'0'.repeat(20)}`],
    ['two spaces', '1  2'],
    ['a leading space', ' 1'],
    ['a trailing space', '1 '],
    ['a sign', '-1'],
    ['not digits', '1 2a'],
    ['more than a window', [...Array(101).keys()].join(' ')],
  ])('refuses a stored window text with %s', (_, text) => {
    const bad = { ...good, nonceWindows: [{ signer: alice, text }] }
    expect(() => restoreLedger(bad)).toThrow(LedgerConfigError)
  })

  it('restores a stored window text as the same state as its nonces', () => {
    const nonces = [0n, 9n, 10n, 99n, 1_800_000_000_000n, 2n ** 64n - 1n]
    const text = restoreLedger({
      ...good,
      nonceWindows: [{ signer: alice, text: nonces.join(' ') }],
    })
    const parsed = restoreLedger({ ...good, nonceWindows: [{ signer: alice, nonces }] })
    expect(stateHash(text)).toBe(stateHash(parsed))
    expect(text.nonceWindowText(alice)).toBe(`0 9 10 99 1800000000000 ${max}`)
    expect(text.keptNonces(alice)).toEqual(nonces)
    // Used after the restore, it decides as the parsed one does.
    expect(text.checkNonce(alice, 99n, 0)).toBe('nonce_already_used')
    expect(text.useNonce(alice, 100n, 0)).toBe(parsed.useNonce(alice, 100n, 0))
    expect(stateHash(text)).toBe(stateHash(parsed))
    expect(() =>
      restoreLedger({
        ...good,
        nonceWindows: [
          { signer: alice, text: '1' },
          { signer: alice, nonces: [2n] },
        ],
      }),
    ).toThrow(LedgerConfigError)
  })
})

function reviveBigints(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d+n$/.test(value)) return BigInt(value.slice(0, -1))
  if (Array.isArray(value)) return value.map(reviveBigints)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reviveBigints(v)]))
  }
  return value
}
