import { beforeAll, expect, it } from 'vitest'
import { authMessage, bls, initZellular } from '../../shared/zellular/index.ts'
import { buildTestCommittee } from '../../shared/zellular/testing.ts'
import { OperatorSignatureBatcher } from './signatureBatcher.ts'

beforeAll(() => initZellular())

function signedRequests() {
  const { keys, network } = buildTestCommittee()
  const requests = keys.map((key, position) => {
    const message = authMessage(`{"app_name":"a","sequenced_index":${position}}`)
    return { id: key.id, message, signature: bls.formatPoint(bls.sign(key.secret, message)) }
  })
  return { network, requests }
}

it('verifies the signatures requested in one turn of the event loop as one batch', async () => {
  const { network, requests } = signedRequests()
  const batcher = new OperatorSignatureBatcher(network)
  const forged = { ...requests[1]!, signature: requests[2]!.signature }
  const answers = await Promise.all([...requests, forged].map((r) => batcher.verify(r)))
  expect(answers).toEqual([true, true, true, true, false])
  expect(batcher.batches).toBe(1)
  expect(batcher.signatures).toBe(5)
})

it('verifies requests of separate turns separately, and caps the batch size', async () => {
  const { network, requests } = signedRequests()
  const batcher = new OperatorSignatureBatcher(network, 3)
  expect(await batcher.verify(requests[0]!)).toBe(true)
  expect(await batcher.verify(requests[1]!)).toBe(true)
  expect(batcher.batches).toBe(2)
  const answers = await Promise.all(requests.map((r) => batcher.verify(r)))
  expect(answers).toEqual([true, true, true, true])
  expect(batcher.batches).toBe(4)
})
