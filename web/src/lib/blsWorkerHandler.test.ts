import { expect, it } from 'vitest'
import {
  countingVerifier,
  fixtureIndex,
  fixtureRegistry,
  replicaIds,
  rootAnswers,
} from '../../../shared/attest/testing.ts'
import { balanceProofBody, holder, provenState } from '../../../shared/exchange/testing.ts'
import { createBlsWorkerHandler } from './blsWorkerHandler.ts'
import type { BlsWorkerResponse } from './verifyOffThread.ts'

/*
 * Its own file: the proofs of possession verified are remembered per module instance, and each
 * test file gets its own.
 */

const { root } = provenState()
const check = {
  registry: fixtureRegistry,
  index: fixtureIndex,
  answers: rootAnswers(root.stateHash),
  address: holder,
  tokens: ['USDT'],
  proofs: {
    USDT: [
      {
        replicaId: replicaIds[0]!,
        kind: 'answer' as const,
        body: balanceProofBody(0, holder, 'USDT'),
      },
    ],
  },
  orderIds: [],
  orderProofs: {},
}

it('checks the registry’s proofs of possession on `prepare`, so the first check verifies only the root', async () => {
  const bls = countingVerifier()
  const replies: BlsWorkerResponse[] = []
  let answered: () => void = () => {}
  const handle = createBlsWorkerHandler(Promise.resolve(bls), (response) => {
    replies.push(response)
    answered()
  })
  handle({ prepare: fixtureRegistry })
  await Promise.resolve()
  // The three keys' proofs, in one aggregate verification of their three messages.
  expect({ batch: bls.batch, aggregate: bls.aggregate }).toEqual({ batch: 1, aggregate: 0 })
  const reply = new Promise<void>((resolve) => (answered = resolve))
  handle({ id: 7, parameters: check })
  await reply
  expect(replies).toHaveLength(1)
  const [response] = replies
  expect(response).toMatchObject({ id: 7 })
  expect('result' in response! && response.result.byToken['USDT']).toMatchObject({
    verified: true,
    k: 3,
  })
  // The root's aggregate only: no proof of possession checked again.
  expect({ batch: bls.batch, aggregate: bls.aggregate }).toEqual({ batch: 1, aggregate: 1 })
})

it('answers a check with the error when the verifier did not load', async () => {
  const replies: BlsWorkerResponse[] = []
  const failed = Promise.reject(new Error('no WebAssembly'))
  failed.catch(() => undefined)
  let answered: () => void = () => {}
  const reply = new Promise<void>((resolve) => (answered = resolve))
  const handle = createBlsWorkerHandler(failed, (response) => {
    replies.push(response)
    answered()
  })
  handle({ prepare: fixtureRegistry })
  handle({ id: 1, parameters: check })
  await reply
  expect(replies).toEqual([{ id: 1, error: 'Error: no WebAssembly' }])
})
