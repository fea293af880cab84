import { beforeAll, describe, expect, it } from 'vitest'
import { initSha256 } from '../stateHash/index.ts'
import { exchangeStateLeaves } from './exchangeStateHash.ts'
import {
  balanceLeaf,
  createExchange,
  decodeProofHex,
  encodeProofHex,
  fullStateHash,
  verifyExchangeStateProof,
} from './index.ts'
import { signIntent, testAccount, tradingConfig } from './testing.ts'

const traders = [2, 3, 4].map(testAccount)
const config = tradingConfig(traders)
const tokens = createExchange(config).ledger.tokens

const transfer = (from: number, nonce: number, to: string, amount: string) =>
  signIntent(traders[from]!, tokens, {
    action: 'transfer',
    nonce: String(nonce),
    to,
    token: 'ETH',
    amount,
  })
const buy = (from: number, nonce: number) =>
  signIntent(traders[from]!, tokens, {
    action: 'order',
    nonce: String(nonce),
    market: 'ETH/USDT',
    side: 'buy',
    type: 'limit',
    price: '1990',
    quantity: '0.01',
    timeInForce: 'GTC',
  })

beforeAll(() => initSha256())

describe('exchange state proofs', () => {
  it('prove every leaf of the state, and absent keys, under the latest state hash', () => {
    const exchange = createExchange(config)
    const stranger = testAccount(9).address
    exchange.applyBatch(JSON.stringify([transfer(0, 1, stranger, '2'), buy(1, 1)]), 1)
    const stateHash = exchange.stateHash()
    expect(stateHash).toBe(fullStateHash(exchange))
    const leaves = [...exchangeStateLeaves(exchange)]
    expect(leaves.length).toBeGreaterThan(10)
    for (const [key, value] of leaves) {
      const proven = exchange.stateProof(key)!
      expect(proven.value).toBe(value)
      expect(proven.stateHash).toBe(stateHash)
      const proof = encodeProofHex(proven.proof)
      expect(verifyExchangeStateProof({ key, value, proof, stateHash })).toEqual({ ok: true })
      // The same proof refuses any other value, and the key's absence.
      expect(verifyExchangeStateProof({ key, value: `${value}0`, proof, stateHash }).ok).toBe(false)
      expect(verifyExchangeStateProof({ key, value: undefined, proof, stateHash }).ok).toBe(false)
    }
    const [zeroKey] = balanceLeaf(stranger, 'USDT', { available: 0n, locked: 0n })
    const absent = exchange.stateProof(zeroKey)!
    expect(absent.value).toBeUndefined()
    const proof = encodeProofHex(absent.proof)
    expect(verifyExchangeStateProof({ key: zeroKey, value: undefined, proof, stateHash })).toEqual({
      ok: true,
    })
    expect(verifyExchangeStateProof({ key: zeroKey, value: '1 0', proof, stateHash }).ok).toBe(
      false,
    )
    expect(
      verifyExchangeStateProof({
        key: zeroKey,
        value: undefined,
        proof,
        stateHash: fullStateHash(createExchange(config)),
      }),
    ).toEqual({ ok: false, reason: 'root_mismatch' })
    expect(
      verifyExchangeStateProof({ key: zeroKey, value: undefined, proof: '0x01', stateHash }),
    ).toEqual({ ok: false, reason: 'malformed' })
  })

  it('stay at the latest hash while the state moves on: a changed key needs its old value', () => {
    const exchange = createExchange(config)
    expect(exchange.stateProof('issuer')).toBeUndefined() // nothing hashed yet
    const stateHash = exchange.stateHash()
    const alice = traders[0]!.address
    const [aliceEth, before] = balanceLeaf(alice, 'ETH', {
      available: 500n * 10n ** 18n,
      locked: 0n,
    })
    expect(exchange.stateProof(aliceEth)?.value).toBe(before)
    exchange.applyBatch(JSON.stringify([transfer(0, 1, traders[1]!.address, '2')]), 1)
    // Alice's balance changed since the hash: only its value at the hash can be proven there.
    expect(exchange.stateProof(aliceEth)).toBeUndefined()
    const old = exchange.stateProof(aliceEth, { value: before })!
    expect(old.stateHash).toBe(stateHash)
    const proof = encodeProofHex(old.proof)
    expect(verifyExchangeStateProof({ key: aliceEth, value: before, proof, stateHash })).toEqual({
      ok: true,
    })
    // A value the tree does not hold makes no proof.
    expect(exchange.stateProof(aliceEth, { value: '1 0' })).toBeUndefined()
    // Unchanged keys are still proven at the old hash; after the next hash, at the new one.
    expect(exchange.stateProof('issuer')?.stateHash).toBe(stateHash)
    const next = exchange.stateHash()
    const now = exchange.stateProof(aliceEth)!
    expect(now.stateHash).toBe(next)
    expect(now.value).toBe(balanceLeaf(alice, 'ETH', exchange.ledger.balance(alice, 'ETH'))[1])
    expect(decodeProofHex(encodeProofHex(now.proof))).toEqual(now.proof)
  })
})
