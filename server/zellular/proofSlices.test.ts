import { afterEach, beforeAll, expect, it } from 'vitest'
import { bls, chainHash, initZellular } from '../../shared/zellular/index.ts'
import {
  answer,
  fakeCatchUpPeer,
  fakePeer,
  makeTestNode,
  sequencerAnswer,
  signedProof,
} from './testNodes.ts'

/*
 * A node checks the proofs of a peer's or the sequencer's answer in slices, with turns of the
 * event loop between them: a long history (or a Byzantine peer's answer of many proofs) must
 * not hold it for seconds. A check done in one call moves `bls.signaturesChecked` from its value
 * before to its value after within one turn; done in slices, a callback run between two turns
 * sees it part way. Ports 20400–20419.
 */

beforeAll(() => initZellular())

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** More proofs than one slice checks (~40), fewer than a slow test needs. */
const COUNT = 160

/** `COUNT` bodies of app `a`, their chaining hashes and a finalization proof at each index. */
function finalizedHistory() {
  const bodies = Array.from({ length: COUNT }, (_, n) => `batch ${n + 1}`)
  const hashes = ['']
  for (const body of bodies) hashes.push(chainHash(hashes.at(-1)!, body))
  const proofs = bodies.map((_, position) => {
    const index = position + 1
    const point = {
      app_name: 'a',
      state: 'locked' as const,
      index,
      parent_index: index - 1,
      chaining_hash: hashes[index]!,
      timestamp: 1_700_000_000 + index,
    }
    return { ...point, ...signedProof(point, [0, 1, 2]), tag: 0 }
  })
  return { bodies, hashes, proofs }
}

/** Records `bls.signaturesChecked()` at every turn of the event loop until stopped. */
function watchSignatureChecks() {
  const seen: number[] = []
  let watching = true
  const tick = () => {
    seen.push(bls.signaturesChecked())
    if (watching) setImmediate(tick)
  }
  setImmediate(tick)
  return {
    seen,
    stop: () => {
      watching = false
    },
  }
}

it('a follower checks the proofs of a long answer from its sequencer between turns of the event loop', async () => {
  const { bodies, proofs } = finalizedHistory()
  let checkedBefore: number | undefined
  const sequencer = await fakePeer((_request, _body, response) => {
    checkedBefore ??= bls.signaturesChecked()
    const data = { batches: bodies, last_finalized_index: COUNT, finalized_signatures: proofs }
    answer(response, 200, sequencerAnswer(data))
  }, 20_400)
  cleanups.push(() => sequencer.close())
  const sockets = [sequencer.url, 'http://127.0.0.1:20401', 'http://127.0.0.1:20402', 'x']
  const { node } = makeTestNode({ position: 3, sockets })
  cleanups.push(() => node.close())

  const watch = watchSignatureChecks()
  await node.poster.post()
  watch.stop()

  const log = node.logs.get('a')
  expect(log.lastFinalized).toBe(COUNT)
  const checkedAfter = bls.signaturesChecked()
  expect(checkedAfter - checkedBefore!).toBeGreaterThanOrEqual(COUNT)
  const partWay = watch.seen.filter((seen) => seen > checkedBefore! && seen < checkedAfter)
  expect(partWay.length).toBeGreaterThan(0)
})

it('a node catching up at a switch checks a peer page of many proofs between turns of the event loop', async () => {
  const { bodies, hashes, proofs } = finalizedHistory()
  const target = proofs.at(-1)!
  let checkedBefore: number | undefined
  const peer = await fakeCatchUpPeer(
    target,
    () => {
      checkedBefore ??= bls.signaturesChecked()
      return { batches: bodies, first_chaining_hash: hashes[1], finalized_signatures: proofs }
    },
    20_403,
  )
  cleanups.push(() => peer.close())
  const sockets = ['http://127.0.0.1:20404', 'http://127.0.0.1:20405', peer.url, 'x']
  const { node, ids } = makeTestNode({ position: 3, sockets })
  cleanups.push(() => node.close())

  const watch = watchSignatureChecks()
  await node.switcher.switchTo(ids[1]!, ids[0]!)
  watch.stop()

  expect(node.logs.get('a').lastFinalized).toBe(COUNT)
  const checkedAfter = bls.signaturesChecked()
  expect(checkedAfter - checkedBefore!).toBeGreaterThanOrEqual(COUNT)
  const partWay = watch.seen.filter((seen) => seen > checkedBefore! && seen < checkedAfter)
  expect(partWay.length).toBeGreaterThan(0)
})

it('a page of made-up proofs costs a node catching up a pairing check, not one per proof', async () => {
  const { bodies, hashes } = finalizedHistory()
  // The target: a genuine finalization of the whole history, on parent 0.
  const point = {
    app_name: 'a',
    state: 'locked' as const,
    index: COUNT,
    parent_index: 0,
    chaining_hash: hashes[COUNT]!,
    timestamp: 1_700_000_000,
  }
  const target = { ...point, ...signedProof(point, [0, 1, 2]), tag: 0 }
  // Each signs the right chaining hash with the target's signature: every cheap check passes.
  const madeUp = bodies.slice(0, -1).map((_, position) => ({
    ...target,
    index: position + 1,
    chaining_hash: hashes[position + 1],
  }))
  let pairingsBefore: number | undefined
  const peer = await fakeCatchUpPeer(
    target,
    () => {
      pairingsBefore ??= bls.pairingChecks()
      return { batches: bodies, first_chaining_hash: hashes[1], finalized_signatures: madeUp }
    },
    20_406,
  )
  cleanups.push(() => peer.close())
  const sockets = ['http://127.0.0.1:20407', 'http://127.0.0.1:20408', peer.url, 'x']
  const { node, ids } = makeTestNode({ position: 3, sockets })
  cleanups.push(() => node.close())

  await node.switcher.switchTo(ids[1]!, ids[0]!)

  // The page's first group fails (one check); the target is then verified alone.
  expect(node.logs.get('a').lastFinalized).toBe(COUNT)
  expect(bls.pairingChecks() - pairingsBefore!).toBeLessThanOrEqual(3)
})

it('a sequencer answering a batch over maxBatchSizeKb under many made-up proofs costs a follower one pairing check', async () => {
  const bodies = ['small', 'x'.repeat(5 * 1024 + 1)]
  const hashes = ['']
  for (const body of bodies) hashes.push(chainHash(hashes.at(-1)!, body))
  const point = {
    app_name: 'a',
    state: 'locked' as const,
    index: 1,
    parent_index: 0,
    chaining_hash: hashes[1]!,
    timestamp: 1_700_000_000,
  }
  const genuine = { ...point, ...signedProof(point, [0, 1, 2]), tag: 0 }
  // Each covers the big batch with its chaining hash, under another proof's signature.
  const madeUp = Array.from({ length: COUNT }, () => ({
    ...genuine,
    index: 2,
    chaining_hash: hashes[2],
  }))
  let pairingsBefore: number | undefined
  const sequencer = await fakePeer((_request, _body, response) => {
    pairingsBefore ??= bls.pairingChecks()
    const data = { batches: bodies, last_finalized_index: 2, finalized_signatures: madeUp }
    answer(response, 200, sequencerAnswer(data))
  }, 20_409)
  cleanups.push(() => sequencer.close())
  const sockets = [sequencer.url, 'http://127.0.0.1:20410', 'http://127.0.0.1:20411', 'x']
  const { node } = makeTestNode({ position: 3, sockets, config: { maxBatchSizeKb: 5 } })
  cleanups.push(() => node.close())

  await node.poster.post()

  expect(node.poster.sequencerDown).toBe(true) // a dispute follows
  expect(node.logs.get('a').lastSequenced).toBe(0)
  expect(bls.pairingChecks() - pairingsBefore!).toBeLessThanOrEqual(1)
})

it('a switch that begins while a follower checks its sequencer answer ends the check, and nothing of the answer is taken', async () => {
  const { bodies, proofs } = finalizedHistory()
  let checkedBefore: number | undefined
  const sequencer = await fakePeer((_request, _body, response) => {
    checkedBefore ??= bls.signaturesChecked()
    const data = { batches: bodies, last_finalized_index: COUNT, finalized_signatures: proofs }
    answer(response, 200, sequencerAnswer(data))
  }, 20_412)
  cleanups.push(() => sequencer.close())
  const sockets = [sequencer.url, 'http://127.0.0.1:20413', 'http://127.0.0.1:20414', 'x']
  const { node } = makeTestNode({ position: 3, sockets })
  cleanups.push(() => node.close())
  node.outbox.enqueue('local', [{ app: 'a', bodies: ['hello'] }])

  // A switch settles the round (`SequencerSwitch.switchTo`) once the check is under way.
  let settling: Promise<void> | undefined
  const settleWhenChecking = () => {
    if (checkedBefore !== undefined && bls.signaturesChecked() > checkedBefore) {
      settling = node.poster.settle()
    } else setImmediate(settleWhenChecking)
  }
  setImmediate(settleWhenChecking)
  await node.poster.post()
  await settling

  expect(settling).toBeDefined()
  const log = node.logs.get('a')
  expect([log.lastSequenced, log.lastFinalized]).toEqual([0, 0])
  expect(bls.signaturesChecked() - checkedBefore!).toBeLessThan(COUNT)
  expect(node.outbox.queued('a')).toEqual(['hello']) // uncertain, kept for the next sequencer
})
