import { describe, expect, it } from 'vitest'
import type { MarketInfo, OrderView } from '../../../shared/api/index.ts'
import {
  countingVerifier,
  fixtureIndex,
  fixtureRegistry,
  replicaIds,
  rootAnswers,
} from '../../../shared/attest/testing.ts'
import { devnetMarkets, type ProofAnswer } from '../../../shared/exchange/index.ts'
import {
  holder,
  listedOrder,
  orderOwner,
  orderProofBody,
  provenState,
} from '../../../shared/exchange/testing.ts'
import type { VerifiedPortfolio } from './queries.ts'
import { shownOrderProof, type OrderListing } from './shownOrderProof.ts'
import { verifyPortfolioAtRoot } from './verifyPortfolioAtRoot.ts'

const { openOrderId, root: provenRoot } = provenState()

const ethUsdt = devnetMarkets[0] as MarketInfo
/** The table's list, served by replica-2 at the root's index. */
const atRoot: OrderListing = { replicaId: 'replica-2', index: fixtureIndex }

/** The fixture's open order as `GET /orders` lists it: a buy of 0.01 ETH at 1990 USDT. */
const listed = (patch: Partial<OrderView> = {}): OrderView =>
  listedOrder({ orderId: openOrderId, ...patch })

/** The portfolio check of `address` at the fixture root, with these proofs of the order. */
function portfolio(
  orderProofs: ProofAnswer[],
  address: string = orderOwner.address,
): VerifiedPortfolio {
  const result = verifyPortfolioAtRoot({
    registry: fixtureRegistry,
    index: fixtureIndex,
    answers: rootAnswers(provenRoot.stateHash),
    bls: countingVerifier(),
    address,
    tokens: [],
    proofs: {},
    orderIds: [openOrderId],
    orderProofs: { [openOrderId]: orderProofs },
  })
  return {
    address,
    index: fixtureIndex,
    root: result.root,
    byToken: result.byToken,
    byOrder: result.byOrder,
    ordersListedBy: 'replica-1',
    ordersTruncated: false,
    verifyMs: 1,
    appliedIndex: fixtureIndex,
  }
}

const honest = (position: number, patch: object = {}): ProofAnswer => ({
  replicaId: replicaIds[position]!,
  kind: 'answer',
  body: orderProofBody(position, openOrderId, patch),
})

describe('shownOrderProof', () => {
  it('is verified when the proven leaf is the order shown, field by field', () => {
    const shown = shownOrderProof(listed(), ethUsdt, atRoot, portfolio([honest(0)]))
    expect(shown.state).toBe('verified')
    // Another price, size or remaining size than the root proves: the listing replica is named.
    for (const patch of [
      { price: '1990010000' },
      { quantity: '20000000000000000' },
      { remaining: '5000000000000000', filled: '5000000000000000' },
      { side: 'sell' as const },
    ]) {
      const row = listed(patch)
      expect(shownOrderProof(row, ethUsdt, atRoot, portfolio([honest(0)]))).toMatchObject({
        state: 'differs',
        listedBy: 'replica-2',
      })
      // Listed before the root, the row may just be old: it waits for the next check.
      const before = { ...atRoot, index: fixtureIndex - 1 }
      expect(shownOrderProof(row, ethUsdt, before, portfolio([honest(0)]))).toEqual({
        state: 'verifying',
        why: `listed at batch #${fixtureIndex - 1}, before the root`,
        waitsFor: 'listing',
      })
    }
  })

  it('checks every column the ✓ stands beside: filled and type too', () => {
    for (const patch of [
      // Filled shown as 0.0075 of 0.01 while the remaining size is unchanged.
      { filled: '7500000000000000' },
      // Post only, where the root holds a plain limit order.
      { timeInForce: 'POST_ONLY' as const },
      // A market order, which never rests.
      { type: 'market' as const, timeInForce: 'IOC' as const },
    ]) {
      expect(shownOrderProof(listed(patch), ethUsdt, atRoot, portfolio([honest(0)]))).toMatchObject(
        { state: 'differs', listedBy: 'replica-2' },
      )
    }
  })

  it('does not wait for a change at a batch far beyond what a quorum has applied', () => {
    const row = listed({ price: '1000000', updatedIndex: 1e12 })
    expect(shownOrderProof(row, ethUsdt, atRoot, portfolio([honest(0)]))).toMatchObject({
      state: 'differs',
      listedBy: 'replica-2',
    })
    // Its shown columns as the root proves them: nothing false is shown.
    const same = listed({ updatedIndex: 1e12 })
    expect(shownOrderProof(same, ethUsdt, atRoot, portfolio([honest(0)])).state).toBe('verified')
    // A few batches past the last check is a replica quicker than the check: it waits.
    const recent = listed({ price: '1000000', updatedIndex: fixtureIndex + 5 })
    expect(shownOrderProof(recent, ethUsdt, atRoot, portfolio([honest(0)])).state).toBe('verifying')
  })

  it('waits for the next root when the order changed after the proven one', () => {
    const changed = listed({ updatedIndex: fixtureIndex + 1, remaining: '5000000000000000' })
    expect(shownOrderProof(changed, ethUsdt, atRoot, portfolio([honest(0)]))).toEqual({
      state: 'verifying',
      why: `changed at batch #${fixtureIndex + 1}, after the root`,
      waitsFor: 'root',
    })
    expect(shownOrderProof(listed(), ethUsdt, atRoot, undefined).state).toBe('verifying')
  })

  it('names the replica whose order proof does not tie to the root, when no other proves it', () => {
    const lie = honest(0, { value: orderProofBody(0, openOrderId).value!.replace(' 10 ', ' 99 ') })
    const shown = shownOrderProof(listed(), ethUsdt, atRoot, portfolio([lie]))
    expect(shown).toMatchObject({
      state: 'unverified',
      why: 'replica-1 served an order that does not match the quorum root',
    })
    // Another replica's true proof verifies it; the liar stays named in the proof lines.
    const proven = shownOrderProof(listed(), ethUsdt, atRoot, portfolio([lie, honest(1)]))
    expect(proven.state).toBe('verified')
    expect(proven.state === 'verified' && proven.proven.falseValues).toEqual(['replica-1'])
  })

  it('names the listing replica when the root shows no open order of the address there', () => {
    const row = listed({ owner: holder })
    expect(shownOrderProof(row, ethUsdt, atRoot, portfolio([honest(0)], holder))).toMatchObject({
      state: 'differs',
      listedBy: 'replica-2',
      proven: { notOpen: true },
    })
  })
})

describe('shownOrderProof of a list that stays behind the root', () => {
  const before: OrderListing = { ...atRoot, index: fixtureIndex - 1 }
  const row = listed({ price: '1990010000' })
  /** The same portfolio, whose checked list (replica-1's) did not have the order. */
  const withoutOrder = (): VerifiedPortfolio => ({ ...portfolio([honest(0)]), byOrder: {} })

  it('waits for a newer list, then judges the row against the root as it is', () => {
    expect(shownOrderProof(row, ethUsdt, before, portfolio([honest(0)]))).toMatchObject({
      state: 'verifying',
      waitsFor: 'listing',
    })
    // The list was asked for again as often as the app waits, and is still from before the root.
    const given = { ...before, waitedFor: true }
    expect(shownOrderProof(row, ethUsdt, given, portfolio([honest(0)]))).toMatchObject({
      state: 'differs',
      listedBy: 'replica-2',
      listedBehind: fixtureIndex - 1,
    })
    // A row the root proves as shown is verified, whatever list it came from.
    expect(shownOrderProof(listed(), ethUsdt, given, portfolio([honest(0)])).state).toBe('verified')
  })

  it('shows an order no checked list had as unverified, naming the replica that lists it', () => {
    expect(shownOrderProof(listed(), ethUsdt, before, withoutOrder())).toMatchObject({
      state: 'verifying',
      waitsFor: 'listing',
    })
    expect(
      shownOrderProof(listed(), ethUsdt, { ...before, waitedFor: true }, withoutOrder()),
    ).toEqual({
      state: 'unverified',
      proven: undefined,
      why: `replica-2 lists it at batch #${fixtureIndex - 1}, behind the root at #${fixtureIndex}`,
    })
    expect(
      shownOrderProof(listed(), ethUsdt, { ...atRoot, waitedFor: true }, withoutOrder()),
    ).toEqual({
      state: 'unverified',
      proven: undefined,
      why: "replica-2 lists it, but replica-1's list of open orders at the root does not",
    })
  })

  it('leaves what a newer root settles to the root, however long the list waited', () => {
    const changed = listed({ updatedIndex: fixtureIndex + 1, remaining: '5000000000000000' })
    const given = { ...atRoot, waitedFor: true }
    expect(shownOrderProof(changed, ethUsdt, given, portfolio([honest(0)]))).toMatchObject({
      state: 'verifying',
      waitsFor: 'root',
    })
  })
})
