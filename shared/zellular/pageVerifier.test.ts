import { beforeAll, describe, expect, it } from 'vitest'
import { ProofError, UnprovenPagesError, type ProofFailure } from './errors.ts'
import { bls, initZellular } from './index.ts'
import { PageVerifier, type VerifiedBatch } from './pageVerifier.ts'
import { buildTestCommittee, TEST_APP, TestChain, type TestCommittee } from './testing.ts'

let committee: TestCommittee
let chain: TestChain

const BODIES = [
  '[{"tx_id": "a", "operation": "foo", "t": 1700000000}]',
  '[{"tx_id": "b", "operation": "foo", "t": 1700000000}]',
  'plain text batch é',
  '',
  'emoji 😀 and a "quote"',
  '{"k": [1, 2, 3]}',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
]

beforeAll(async () => {
  await initZellular()
  committee = buildTestCommittee()
  chain = new TestChain(committee, BODIES)
})

function verifierFrom(options: { after?: number; chainingHash?: string; finalizedIndex?: number }) {
  return new PageVerifier({ network: committee.network, app: TEST_APP, ...options })
}

async function failure(run: () => unknown): Promise<ProofFailure | 'passed'> {
  try {
    await run()
    return 'passed'
  } catch (error) {
    if (error instanceof ProofError) return error.code
    throw error
  }
}

function expectBatches(batches: readonly VerifiedBatch[], from: number, to: number) {
  expect(batches.map((batch) => batch.index)).toEqual(
    Array.from({ length: to - from + 1 }, (_, offset) => from + offset),
  )
  for (const batch of batches) {
    expect(batch.body).toBe(BODIES[batch.index - 1])
    expect(batch.chainingHash).toBe(chain.hashAt(batch.index))
  }
}

/** Feeds pages of `size` bodies (v0.1.7, proofs at 3, 7, 12 unless told) until the end. */
async function drain(
  verifier: PageVerifier,
  size: number,
  pageOf: (after: number, size: number) => unknown = (after) =>
    chain.page(after, size, chain.proofs([3, 7, 12])),
) {
  const released: VerifiedBatch[][] = []
  for (let guard = 0; guard < 50; guard++) {
    const after = verifier.nextAfter
    if (after >= BODIES.length) break
    released.push(await verifier.consume(pageOf(after, size), after))
  }
  return released
}

describe('PageVerifier on v0.1.7 pages', () => {
  it('releases a multi-page stream in order, each batch only once a proof covers it', async () => {
    const verifier = verifierFrom({})
    const releases = await drain(verifier, 4)
    expect(releases.map((batches) => batches.map((batch) => batch.index))).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11, 12],
    ])
    expectBatches(releases.flat(), 1, 12)
    expect(verifier.checkpoint).toEqual({
      index: 12,
      chainingHash: chain.hashAt(12),
      finalizedIndex: 12,
    })
    expect(verifier.bufferedCount).toBe(0)
  })

  it('stamps each batch with the timestamp of the finalization that released it', async () => {
    const verifier = verifierFrom({})
    const released = await verifier.consume(chain.page(0, 12, chain.proofs([3, 7, 12])), 0)
    // The fixture signs index i's finalization at 1733000000 + i.
    const expected = (index: number) => 1733000000 + (index <= 3 ? 3 : index <= 7 ? 7 : 12)
    expect(released.map((batch) => batch.timestamp)).toEqual(
      released.map((batch) => expected(batch.index)),
    )
    // And which finalization that was, with its parent, for resuming after any of them.
    expect(released.map((batch) => batch.finalization?.index)).toEqual(
      released.map((batch) => expected(batch.index) - 1733000000),
    )
    expect(released.find((batch) => batch.index === 5)?.finalization).toEqual({
      index: 7,
      parentIndex: 3,
    })
  })

  it('verifies several proofs inside one page, together in one pairing check', async () => {
    const verifier = verifierFrom({})
    const before = bls.pairingChecks()
    expectBatches(await verifier.consume(chain.page(0, 12, chain.proofs([3, 7, 12])), 0), 1, 12)
    expect(bls.pairingChecks() - before).toBe(1)
    // Proofs signed by different sets are checked together too.
    const mixed = [chain.proof(3, 0, { signers: [0, 1, 2] }), chain.proof(7, 3)]
    expectBatches(await verifierFrom({}).consume(chain.page(0, 8, mixed), 0), 1, 7)
    const forged = [mixed[0]!, { ...mixed[1]!, signature: mixed[0]!.signature }]
    expect(await failure(() => verifierFrom({}).consume(chain.page(0, 8, forged), 0))).toBe(
      'bad_signature',
    )
  })

  it('keeps the tail of a page that ends between proofs buffered', async () => {
    const verifier = verifierFrom({})
    const proofs = chain.proofs([3, 7, 12])
    expect(await verifier.consume(chain.page(0, 2, proofs), 0)).toEqual([])
    expect(verifier.bufferedCount).toBe(2)
    expect(verifier.nextAfter).toBe(2)
    expect(verifier.checkpoint.index).toBe(0)
    expectBatches(await verifier.consume(chain.page(2, 3, proofs), 2), 1, 3)
    expect(verifier.bufferedCount).toBe(2)
    expect(verifier.nextAfter).toBe(5)
    expectBatches(await verifier.consume(chain.page(5, 2, proofs), 5), 4, 7)
  })

  it('takes null as nothing new and refuses a page for another position', async () => {
    const verifier = verifierFrom({})
    expect(await verifier.consume(null, 0)).toEqual([])
    await expect(verifier.consume(chain.page(1, 4, []), 1)).rejects.toThrow(RangeError)
  })

  it('resumes from an index with a known chaining hash', async () => {
    const verifier = verifierFrom({ after: 7, chainingHash: chain.hashAt(7), finalizedIndex: 7 })
    expect(verifier.nextAfter).toBe(7)
    const proofs = chain.proofs([3, 7, 12])
    expectBatches(await verifier.consume(chain.page(7, 5, proofs), 7), 8, 12)
    // Without the finalized index the first parent is unchecked; with a wrong one it is refused.
    const unknownParent = verifierFrom({ after: 5, chainingHash: chain.hashAt(5) })
    expectBatches((await drain(unknownParent, 3)).flat(), 6, 12)
    const wrongParent = verifierFrom({ after: 5, chainingHash: chain.hashAt(5), finalizedIndex: 2 })
    expect(await failure(() => wrongParent.consume(chain.page(5, 7, proofs), 5))).toBe(
      'broken_parent_link',
    )
  })

  it('refuses, on a resume without the finalized index, a first proof that skips one', async () => {
    // Resumed at 4 (a state sync): 5..7 were released by the finalization at 7, so a node that
    // drops it and serves 12 (parent 7) would stamp them with 12's time: another replica's
    // nonce windows would judge them at another time.
    const skipped = verifierFrom({ after: 4, chainingHash: chain.hashAt(4) })
    expect(await failure(() => skipped.consume(chain.page(4, 8, [chain.proof(12, 7)]), 4))).toBe(
      'broken_parent_link',
    )
    const whole = verifierFrom({ after: 4, chainingHash: chain.hashAt(4) })
    const released = await whole.consume(chain.page(4, 8, chain.proofs([3, 7, 12])), 4)
    expectBatches(released, 5, 12)
    expect(released[0]?.finalization).toEqual({ index: 7, parentIndex: 3 })
  })

  it('resumes with an unknown hash from the page after − 1, dropping its first body', async () => {
    const verifier = verifierFrom({ after: 5 })
    expect(verifier.nextAfter).toBe(4)
    expectBatches((await drain(verifier, 4)).flat(), 6, 12)

    // Resuming exactly at a sync point: the anchor's own proof is checked, then the links.
    const atSyncPoint = verifierFrom({ after: 7 })
    expect(atSyncPoint.nextAfter).toBe(6)
    const proofs = chain.proofs([3, 7, 12])
    expect(await atSyncPoint.consume(chain.page(6, 1, proofs), 6)).toEqual([])
    expect(atSyncPoint.checkpoint).toEqual({
      index: 7,
      chainingHash: chain.hashAt(7),
      finalizedIndex: 7,
    })
    expectBatches(await atSyncPoint.consume(chain.page(7, 5, proofs), 7), 8, 12)
  })

  it('refuses a resume anchor that the covering proof contradicts', async () => {
    const verifier = verifierFrom({ after: 5 })
    const page = {
      ...chain.page(4, 4, chain.proofs([3, 7, 12])),
      first_chaining_hash: chain.hashAt(3),
    }
    expect(await failure(() => verifier.consume(page, 4))).toBe('chain_mismatch')
    expect(verifier.nextAfter).toBe(4)
  })

  it('refuses a changed body, whether first in the page or covered by a later proof', async () => {
    const proofs = chain.proofs([3, 7, 12])
    const page = chain.page(0, 4, proofs)
    const secondChanged = { ...page, batches: page.batches.map((b, i) => (i === 1 ? b + ' ' : b)) }
    expect(await failure(() => verifierFrom({}).consume(secondChanged, 0))).toBe('chain_mismatch')
    const firstChanged = { ...page, batches: ['forged', ...page.batches.slice(1)] }
    expect(await failure(() => verifierFrom({}).consume(firstChanged, 0))).toBe('chain_mismatch')
  })

  it('refuses a body that is not a string and a page of the wrong shape', async () => {
    const page = chain.page(0, 4, chain.proofs([3]))
    const numbers = { ...page, batches: [1, 2] }
    expect(await failure(() => verifierFrom({}).consume(numbers, 0))).toBe('malformed')
    expect(await failure(() => verifierFrom({}).consume({ batches: page.batches }, 0))).toBe(
      'malformed',
    )
    expect(await failure(() => verifierFrom({}).consume([page], 0))).toBe('malformed')
  })

  it('refuses forged, under-threshold and badly attributed signatures', async () => {
    const forge = (proof: object) => ({ ...chain.page(0, 4, []), finalized_signatures: [proof] })
    const good = chain.proof(3, 0)
    const fourth = committee.keys[3]!.id
    const cases: [object, ProofFailure][] = [
      [{ ...good, signature: chain.proof(3, 0, { timestamp: 1 }).signature }, 'bad_signature'],
      [{ ...good, timestamp: good.timestamp + 1 }, 'bad_signature'],
      [{ ...good, signature: 'garbage' }, 'malformed'],
      [chain.proof(3, 0, { signers: [0, 1] }), 'insufficient_stake'],
      [chain.proof(3, 0, { nonsigners: ['0x' + '9'.repeat(40)] }), 'unknown_nonsigner'],
      [chain.proof(3, 0, { nonsigners: [fourth, fourth] }), 'duplicate_nonsigner'],
      // Three real signatures but the nonsigner list hides one of them: the key does not match.
      [chain.proof(3, 0, { nonsigners: [] }), 'bad_signature'],
      [{ ...good, state: 'sequenced' }, 'malformed'],
      [{ ...good, chaining_hash: chain.hashAt(2) }, 'chain_mismatch'],
      [chain.proof(12, 0), 'malformed'],
      [chain.proof(3, 1), 'broken_parent_link'],
    ]
    for (const [proof, code] of cases) {
      const outcome = await failure(() => verifierFrom({}).consume(forge(proof), 0))
      expect(outcome, JSON.stringify(proof)).toBe(code)
    }
    expectBatches(await verifierFrom({}).consume(forge(good), 0), 1, 3)
  })

  it('refuses a broken parent link between two proofs and proofs out of order', async () => {
    const broken = [chain.proof(3, 0), chain.proof(7, 5)]
    expect(await failure(() => verifierFrom({}).consume(chain.page(0, 8, broken), 0))).toBe(
      'broken_parent_link',
    )
    // An older parent is a sequencer that missed the finalization before: still proven.
    const older = [chain.proof(3, 0), chain.proof(7, 0)]
    expectBatches(await verifierFrom({}).consume(chain.page(0, 8, older), 0), 1, 7)
    const [first] = chain.proofs([3, 7])
    const reversed = { ...chain.page(0, 8, []), finalized_signatures: [chain.proof(7, 0), first] }
    expect(await failure(() => verifierFrom({}).consume(reversed, 0))).toBe('malformed')
    const repeated = { ...chain.page(0, 8, []), finalized_signatures: [first, first] }
    expect(await failure(() => verifierFrom({}).consume(repeated, 0))).toBe('malformed')
  })

  it('stops checking a page of made-up proofs after a few signatures, however many', async () => {
    // A lying node's page: 20,000 empty bodies, each covered by a proof that signs the right
    // chaining hash and links to the one before, under one reused valid signature. Only the
    // signatures can expose it, and checking them all costs seconds of CPU.
    const count = 20_000
    const empty = Array.from({ length: count }, () => '')
    const flood = new TestChain(committee, empty)
    const real = flood.proof(1, 0)
    const made = (parent: (index: number) => number) =>
      Array.from({ length: count }, (_, position) => ({
        ...real,
        index: position + 1,
        parent_index: parent(position + 1),
        chaining_hash: flood.hashAt(position + 1),
        timestamp: real.timestamp + position,
      }))
    // Linked to the one before (the first one is genuine), and all on parent 0 (as after
    // sequencer switches): neither passes more than a first group of signatures to the curve.
    for (const proofs of [made((index) => index - 1), made(() => 0)]) {
      const page = { ...flood.page(0, count, []), finalized_signatures: proofs }
      const verifier = new PageVerifier({ network: committee.network, app: TEST_APP })
      const checked = bls.signaturesChecked()
      const pairings = bls.pairingChecks()
      expect(await failure(() => verifier.consume(page, 0))).toBe('bad_signature')
      expect(bls.signaturesChecked() - checked).toBeLessThanOrEqual(16)
      expect(bls.pairingChecks() - pairings).toBeLessThanOrEqual(2)
      expect(verifier.checkpoint.index).toBe(0)
      expect(verifier.nextAfter).toBe(0)
      // More proofs than batches: refused before a signature is looked at.
      const crowded = { ...flood.page(0, 10, []), finalized_signatures: proofs }
      expect(await failure(() => verifier.consume(crowded, 0))).toBe('malformed')
      expect(bls.signaturesChecked() - checked).toBeLessThanOrEqual(16)
    }
  })

  it('checks at most about twice the valid proofs before a made-up one', async () => {
    // 40 genuine proofs, then 20,000 made-up ones: the work grows with the genuine prefix (which
    // an honest page costs as well), not with the flood behind it; the page is refused whole.
    const count = 20_040
    const empty = Array.from({ length: count }, () => '')
    const flood = new TestChain(committee, empty)
    const valid = 40
    const genuine = flood.proofs(Array.from({ length: valid }, (_, position) => position + 1))
    const reused = genuine[0]!.signature
    const fake = Array.from({ length: count - valid }, (_, position) => {
      const index = valid + position + 1
      const proof = flood.proof(index, index - 1, { signers: [] })
      return { ...proof, signature: reused, nonsigners: genuine[0]!.nonsigners }
    })
    const page = { ...flood.page(0, count, []), finalized_signatures: [...genuine, ...fake] }
    const verifier = new PageVerifier({ network: committee.network, app: TEST_APP })
    const checked = bls.signaturesChecked()
    expect(await failure(() => verifier.consume(page, 0))).toBe('bad_signature')
    expect(bls.signaturesChecked() - checked).toBeLessThanOrEqual(2 * valid + 16)
    expect(verifier.checkpoint.index).toBe(0)
    // The genuine prefix alone still verifies.
    const honest = { ...flood.page(0, valid, []), finalized_signatures: genuine }
    expect((await verifier.consume(honest, 0)).at(-1)?.index).toBe(valid)
  })

  it('leaves its state untouched when a page fails, and can drop an unproven tail', async () => {
    const proofs = chain.proofs([3, 7, 12])
    const verifier = verifierFrom({})
    const bad = chain.page(0, 8, [proofs[0]!, { ...proofs[1]!, signature: proofs[0]!.signature }])
    expect(await failure(() => verifier.consume(bad, 0))).toBe('bad_signature')
    expect(verifier.checkpoint.index).toBe(0)
    expect(verifier.nextAfter).toBe(0)

    // A lying node's unproven tail makes the honest next page mismatch until it is dropped.
    expectBatches(await verifier.consume(chain.page(0, 3, proofs), 0), 1, 3)
    const lie = { batches: ['x', 'y'], first_chaining_hash: '', finalized_signatures: [] }
    lie.first_chaining_hash = new TestChain(committee, [...BODIES.slice(0, 3), 'x']).hashAt(4)
    expect(await verifier.consume(lie, 3)).toEqual([])
    expect(verifier.nextAfter).toBe(5)
    expect(await failure(() => verifier.consume(chain.page(5, 4, proofs), 5))).toBe(
      'chain_mismatch',
    )
    verifier.discardUnverified()
    expect(verifier.nextAfter).toBe(3)
    expectBatches(await verifier.consume(chain.page(3, 4, proofs), 3), 4, 7)
  })

  it('bounds the unproven tail left after the page proofs, by batches and by bytes', async () => {
    const proofs = chain.proofs([3, 7, 12])
    const limited = (limits: { maxBufferedBatches?: number; maxBufferedBytes?: number }) =>
      new PageVerifier({ network: committee.network, app: TEST_APP, ...limits })
    const limitOf = async (run: () => unknown) => {
      const error = await (async () => {
        try {
          await run()
        } catch (caught) {
          return caught
        }
      })()
      expect(error).toBeInstanceOf(UnprovenPagesError)
      return (error as UnprovenPagesError).limit
    }
    // Three unproven bodies are over a limit of two, and the refused page changes nothing.
    const byCount = limited({ maxBufferedBatches: 2 })
    expect(await limitOf(() => byCount.consume(chain.page(0, 3, []), 0))).toBe('batches')
    expect(byCount.nextAfter).toBe(0)
    // Five bodies, three of them proven: only the tail of two is held.
    expectBatches(await byCount.consume(chain.page(0, 5, proofs), 0), 1, 3)
    expect(byCount.bufferedCount).toBe(2)
    expect(byCount.bufferedBytes).toBe(BODIES[3]!.length + BODIES[4]!.length)
    expect(await limitOf(() => byCount.consume(chain.page(5, 1, proofs), 5))).toBe('batches')
    expectBatches(await byCount.consume(chain.page(5, 2, proofs), 5), 4, 7)
    expect(byCount.bufferedBytes).toBe(0)

    const byBytes = limited({ maxBufferedBytes: BODIES[0]!.length + BODIES[1]!.length })
    expect(await byBytes.consume(chain.page(0, 2, proofs), 0)).toEqual([])
    expect(await limitOf(() => byBytes.consume(chain.page(2, 2, []), 2))).toBe('bytes')
    expect(byBytes.bufferedBytes).toBe(BODIES[0]!.length + BODIES[1]!.length)
    byBytes.discardUnverified()
    expect(byBytes.bufferedBytes).toBe(0)
    expectBatches(await byBytes.consume(chain.page(0, 3, proofs), 0), 1, 3)
  })

  it('refuses a bad proof as a bad proof, even when the tail is also over a limit', async () => {
    // The proof decides whether the node lied; the limits only whether its tail can wait.
    const good = chain.proof(3, 0)
    const forged = { ...good, signature: chain.proof(3, 0, { timestamp: 1 }).signature }
    const verifier = new PageVerifier({
      network: committee.network,
      app: TEST_APP,
      maxBufferedBatches: 2,
    })
    expect(await failure(() => verifier.consume(chain.page(0, 6, [forged]), 0))).toBe(
      'bad_signature',
    )
    expect(verifier.nextAfter).toBe(0)
    await expect(verifier.consume(chain.page(0, 6, [good]), 0)).rejects.toThrow(UnprovenPagesError)
  })

  it('checks the app name inside the signed message', async () => {
    const other = new PageVerifier({ network: committee.network, app: 'other_app' })
    const page = chain.page(0, 4, chain.proofs([3]))
    expect(await failure(() => other.consume(page, 0))).toBe('bad_signature')
  })
})

describe('PageVerifier on legacy v0.1.5 pages', () => {
  const legacyProofs = () => [3, 7, 12].map((index) => chain.legacyProof(index))

  it('verifies the single finalized proof against the local chain, page after page', async () => {
    const proofs = legacyProofs()
    const releases = await drain(verifierFrom({}), 4, (after, size) =>
      chain.legacyPage(after, size, proofs),
    )
    expect(releases.map((batches) => batches.length)).toEqual([3, 4, 5])
    expectBatches(releases.flat(), 1, 12)
    // A legacy proof signs no time.
    expect(releases.flat().every((batch) => batch.timestamp === undefined)).toBe(true)
  })

  it('accepts a null proof and null nonsigners, and resumes with the trick', async () => {
    const verifier = verifierFrom({ after: 5 })
    // null nonsigners (v0.1.5's empty list) means every operator signed.
    const everyone = { signers: [0, 1, 2, 3] }
    const proofs = [3, 7, 12].map((index) => ({
      ...chain.legacyProof(index, everyone),
      nonsigners: null,
    }))
    expect(await verifier.consume(chain.legacyPage(4, 2, proofs), 4)).toEqual([])
    expectBatches(await verifier.consume(chain.legacyPage(6, 6, proofs), 6), 6, 12)
  })

  it('refuses a changed body, a forged proof and an under-threshold proof', async () => {
    const page = chain.legacyPage(0, 4, legacyProofs())
    const changed = { ...page, batches: page.batches.map((b, i) => (i === 2 ? 'forged' : b)) }
    expect(await failure(() => verifierFrom({}).consume(changed, 0))).toBe('chain_mismatch')
    const blank = { ...changed, finalized: { ...page.finalized!, chaining_hash: '' } }
    expect(await failure(() => verifierFrom({}).consume(blank, 0))).toBe('bad_signature')
    const otherSignature = chain.legacyProof(2).signature
    const forged = { ...page, finalized: { ...page.finalized!, signature: otherSignature } }
    expect(await failure(() => verifierFrom({}).consume(forged, 0))).toBe('bad_signature')
    const weak = { ...page, finalized: chain.legacyProof(3, { signers: [0, 1] }) }
    expect(await failure(() => verifierFrom({}).consume(weak, 0))).toBe('insufficient_stake')
    const outside = { ...page, finalized: chain.legacyProof(9) }
    expect(await failure(() => verifierFrom({}).consume(outside, 0))).toBe('malformed')
  })

  it('does not accept a v0.1.7 signature in a legacy page', async () => {
    const page = chain.legacyPage(0, 4, legacyProofs())
    const current = chain.proof(3, 0).signature
    const mixed = { ...page, finalized: { ...page.finalized!, signature: current } }
    expect(await failure(() => verifierFrom({}).consume(mixed, 0))).toBe('bad_signature')
  })
})

describe('PageVerifier on big pages', () => {
  // 600 bodies with a proof at every second one: 300 signatures, checked in groups of 16, 32,
  // 64, 128 and 256 (5 pairing checks), whatever the slices.
  const COUNT = 600
  let big: TestChain
  let proofs: ReturnType<TestChain['proofs']>

  beforeAll(() => {
    big = new TestChain(
      committee,
      Array.from({ length: COUNT }, (_, position) => `batch ${position + 1}`),
    )
    proofs = big.proofs(Array.from({ length: COUNT / 2 }, (_, position) => 2 * position + 2))
  })

  /** A verifier that counts its yields to the event loop, with `workPerSlice` units a slice. */
  function counted(workPerSlice: number) {
    const counter = { yields: 0 }
    const yieldToLoop = () => {
      counter.yields += 1
      return new Promise<void>((resolve) => setImmediate(resolve))
    }
    const verifier = new PageVerifier({
      network: committee.network,
      app: TEST_APP,
      workPerSlice,
      yieldToLoop,
    })
    return { verifier, counter }
  }

  /** What a verifier must release for batches `from..to` of the big chain. */
  function expected(from: number, to: number): VerifiedBatch[] {
    return Array.from({ length: to - from + 1 }, (_, offset) => {
      const index = from + offset
      const sync = index + (index % 2) // the proof at or after it
      return {
        body: `batch ${index}`,
        index,
        chainingHash: big.hashAt(index),
        timestamp: 1733000000 + sync,
        finalization: { index: sync, parentIndex: sync - 2 },
      }
    })
  }

  it('yields to the event loop between slices and releases the same batches', async () => {
    const { verifier, counter } = counted(2_000)
    const pairings = bls.pairingChecks()
    const released = await verifier.consume(big.page(0, COUNT, proofs), 0)
    expect(released).toEqual(expected(1, COUNT))
    // 300 signatures alone are far more work than one slice holds.
    expect(counter.yields).toBeGreaterThan(10)
    // Slicing adds no pairing check: one per group, as in one go.
    expect(bls.pairingChecks() - pairings).toBe(5)
    expect(verifier.checkpoint).toEqual({
      index: COUNT,
      chainingHash: big.hashAt(COUNT),
      finalizedIndex: COUNT,
    })
  })

  it('lets a timer run before a big page is consumed, by default', async () => {
    const verifier = new PageVerifier({ network: committee.network, app: TEST_APP })
    let timerRan = false
    setImmediate(() => {
      timerRan = true
    })
    const released = await verifier.consume(big.page(0, COUNT, proofs), 0)
    const ranBefore = timerRan
    expect(ranBefore).toBe(true)
    expect(released).toEqual(expected(1, COUNT))
  })

  it('leaves its state untouched when a page fails in a late slice', async () => {
    const { verifier, counter } = counted(2_000)
    // 1..2 released, 3 buffered: there is state to keep.
    expect(await verifier.consume(big.page(0, 3, proofs), 0)).toEqual(expected(1, 2))
    const before = {
      checkpoint: verifier.checkpoint,
      nextAfter: verifier.nextAfter,
      count: verifier.bufferedCount,
      bytes: verifier.bufferedBytes,
    }
    const forged = [...proofs]
    forged[forged.length - 1] = { ...forged.at(-1)!, signature: forged[0]!.signature }
    const yieldsBefore = counter.yields
    const consumed = (async () => verifier.consume(big.page(3, COUNT, forged), 3))()
    await expect(consumed).rejects.toMatchObject({
      name: 'ProofError',
      code: 'bad_signature',
    })
    expect(counter.yields - yieldsBefore).toBeGreaterThan(10)
    expect({
      checkpoint: verifier.checkpoint,
      nextAfter: verifier.nextAfter,
      count: verifier.bufferedCount,
      bytes: verifier.bufferedBytes,
    }).toEqual(before)
    expect(await verifier.consume(big.page(3, COUNT, proofs), 3)).toEqual(expected(3, COUNT))
  })
  it('stops at the next slice when aborted, and takes nothing else meanwhile', async () => {
    const { verifier } = counted(2_000)
    const page = big.page(0, COUNT, proofs)
    const controller = new AbortController()
    const consumed = verifier.consume(page, 0, { signal: controller.signal })
    // The state must not change under a page being consumed.
    await expect(verifier.consume(page, 0)).rejects.toThrow(RangeError)
    expect(() => verifier.discardUnverified()).toThrow(RangeError)
    controller.abort(new Error('stopped'))
    await expect(consumed).rejects.toThrow('stopped')
    expect(verifier.checkpoint.index).toBe(0)
    expect(verifier.bufferedCount).toBe(0)
    expect(await verifier.consume(page, 0)).toEqual(expected(1, COUNT))
  })
})
