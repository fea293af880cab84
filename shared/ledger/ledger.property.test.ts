import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatAmount } from '../intents/index.ts'
import { applyIntent, type LedgerIntent, type LedgerReceipt } from './applyIntent.ts'
import { checkLedgerInvariants } from './invariants.ts'
import type { Ledger } from './ledger.ts'
import { restoreLedger, snapshotLedger } from './snapshot.ts'
import { stateHash } from './stateHash.ts'
import { alice, bob, carol, issuer, setUpLedger, verified, t0 } from './testing.ts'

/*
 * Random streams of transfers, mints, replays and escrow moves between a few accounts, checked
 * after every step against the ledger's invariants and a naive model, and at the end for
 * determinism (same stream, same hash) and for storage (the change sets rebuild the state).
 */

const people = [issuer, alice, bob, carol, '0xdddddddddddddddddddddddddddddddddddddddd']
const tokens = setUpLedger().tokens
const decimalsOf = (token: string) => tokens.get(token)?.decimals ?? 0

const person = fc.constantFrom(...people)
const token = fc.constantFrom('ETH', 'USDT')
// Few nonces and small amounts, so that replays and short balances happen often.
const moveArbitrary = fc.record({
  action: fc.constantFrom('transfer', 'transfer', 'mint'),
  signer: person,
  to: person,
  token,
  units: fc.bigInt({ min: 1n, max: 3_000_000n }),
  nonce: fc.integer({ min: 0, max: 12 }),
})
const operation = fc.oneof(
  { weight: 6, arbitrary: moveArbitrary.map((move) => ({ kind: 'move' as const, move })) },
  { weight: 1, arbitrary: fc.nat().map((index) => ({ kind: 'replay' as const, index })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('lock' as const, 'unlock' as const, 'fill' as const),
      owner: person,
      other: person,
      token,
      units: fc.bigInt({ min: 0n, max: 3_000_000n }),
    }),
  },
)
type Operation = typeof operation extends fc.Arbitrary<infer value> ? value : never

interface Model {
  readonly used: Set<string>
  readonly supply: Map<string, bigint>
  readonly history: LedgerIntent[]
}

type Move = typeof moveArbitrary extends fc.Arbitrary<infer value> ? value : never

function toIntent(move: Move): LedgerIntent {
  const { units, action, ...fields } = move
  const amount = formatAmount(units, decimalsOf(move.token))
  return verified(tokens, { ...fields, action: action as 'transfer' | 'mint', amount })
}

/** What the receipt must be, decided by the model before the ledger applies the intent. */
function expectedStatus(ledger: Ledger, model: Model, intent: LedgerIntent): string {
  const key = `${intent.signer}/${intent.nonce}`
  if (model.used.has(key)) return 'nonce_already_used'
  model.used.add(key)
  if (intent.action === 'mint') return intent.signer === issuer ? 'applied' : 'not_issuer'
  if (intent.to === intent.signer) return 'self_transfer'
  const short = ledger.available(intent.signer, intent.token) < intent.amount.units
  return short ? 'insufficient_available' : 'applied'
}

function step(ledger: Ledger, model: Model, op: Operation): void {
  if (op.kind === 'move' || op.kind === 'replay') {
    const intent = op.kind === 'move' ? toIntent(op.move) : model.history[op.index % 8]
    if (intent === undefined) return
    const expected = expectedStatus(ledger, model, intent)
    const receipt: LedgerReceipt = applyIntent(ledger, intent, t0)
    expect(receipt.intentId).toBe(intent.id)
    expect(receipt.status === 'applied' ? 'applied' : receipt.reason).toBe(expected)
    if (expected === 'applied' && intent.action === 'mint') {
      model.supply.set(intent.token, (model.supply.get(intent.token) ?? 0n) + intent.amount.units)
    }
    model.history.unshift(intent)
    return
  }
  // Escrow moves as the orderbook makes them: never more than is locked.
  const locked = ledger.locked(op.owner, op.token)
  if (op.kind === 'lock') ledger.lock(op.owner, op.token, op.units)
  else if (op.kind === 'unlock') ledger.unlock(op.owner, op.token, op.units % (locked + 1n))
  else ledger.transferLocked(op.owner, op.other, op.token, op.units % (locked + 1n))
}

function run(operations: readonly Operation[], onBatch?: (ledger: Ledger) => void): Ledger {
  const ledger = setUpLedger()
  const model: Model = {
    used: new Set(),
    supply: new Map([...tokens.keys()].map((symbol) => [symbol, ledger.supply(symbol)])),
    history: [],
  }
  for (const [index, op] of operations.entries()) {
    step(ledger, model, op)
    expect(checkLedgerInvariants(ledger)).toEqual([])
    for (const [symbol, supply] of model.supply) expect(ledger.supply(symbol)).toBe(supply)
    if (index % 5 === 4) onBatch?.(ledger)
  }
  onBatch?.(ledger)
  return ledger
}

describe('ledger properties', () => {
  it('conserves supply, never goes negative, rejects replays and matches the model', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        run(operations)
      }),
      { seed: 424_242, numRuns: 150 },
    )
  })

  it('reaches the same state hash from the same stream, and through storage', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const stored = new Map<string, { available: bigint; locked: bigint }>()
        const storedWindows = new Map<string, readonly bigint[]>()
        for (const balance of snapshotLedger(setUpLedger()).balances) {
          stored.set(`${balance.address}/${balance.token}`, balance)
        }
        const first = run(operations, (ledger) => {
          const changes = ledger.takeChanges()
          for (const change of changes.balances) {
            stored.set(`${change.address}/${change.token}`, change)
          }
          for (const { signer, nonces } of changes.nonceWindows) storedWindows.set(signer, nonces)
        })
        const second = run(operations)
        expect(stateHash(second)).toBe(stateHash(first))
        expect(stateHash(restoreLedger(snapshotLedger(first)))).toBe(stateHash(first))
        const snapshot = snapshotLedger(first)
        const nonZero = [...stored].filter(([, b]) => b.available !== 0n || b.locked !== 0n)
        expect(nonZero.map(([key]) => key).sort()).toEqual(
          snapshot.balances.map((b) => `${b.address}/${b.token}`).sort(),
        )
        for (const balance of snapshot.balances) {
          const row = stored.get(`${balance.address}/${balance.token}`)
          expect(row && { available: row.available, locked: row.locked }).toEqual({
            available: balance.available,
            locked: balance.locked,
          })
        }
        // Storage keeps the last window of each signer the changes named.
        const windows = [...storedWindows].filter(([, nonces]) => nonces.length > 0)
        expect(new Map(windows)).toEqual(
          new Map(snapshot.nonceWindows.map(({ signer, nonces }) => [signer, nonces])),
        )
      }),
      { seed: 77, numRuns: 100 },
    )
  })
})
