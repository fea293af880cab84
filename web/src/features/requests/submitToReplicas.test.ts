import { describe, expect, it } from 'vitest'
import type { SubmitIntentResponse } from '../../../../shared/api/index.ts'
import { ReplicaRequestError, type ReplicaRef } from '../../lib/replicaClient.ts'
import { submitToReplicas } from './submitToReplicas.ts'

const replicas: ReplicaRef[] = [1, 2, 3].map((i) => ({
  id: `replica-${i}`,
  url: `http://127.0.0.1:500${i}`,
}))
const intentId = `0x${'ab'.repeat(32)}`

/** Each replica's answer to the submit, by id: a 202 status or an error code. */
function replicasAnswering(answers: Record<string, 'pending' | 'unknown' | string>) {
  const asked: string[] = []
  const send = async (replica: ReplicaRef): Promise<SubmitIntentResponse> => {
    asked.push(replica.id)
    const answer = answers[replica.id]!
    if (answer === 'pending' || answer === 'unknown') return { intentId, status: answer }
    throw new ReplicaRequestError('http', answer, 400, answer)
  }
  return { send, asked }
}

describe('submitToReplicas', () => {
  it('after one replica refuses, asks the next, which takes it', async () => {
    const { send, asked } = replicasAnswering({
      'replica-1': 'insufficient_available',
      'replica-2': 'pending',
      'replica-3': 'pending',
    })
    expect(await submitToReplicas({ replicas, quorum: 2, send })).toEqual({
      stage: 'submitted',
      replicaId: 'replica-2',
      intentId,
    })
    expect(asked).toEqual(['replica-1', 'replica-2'])
  })

  it('rejects once a quorum refused, without asking the rest', async () => {
    const { send, asked } = replicasAnswering({
      'replica-1': 'insufficient_available',
      'replica-2': 'insufficient_available',
      'replica-3': 'pending',
    })
    expect(await submitToReplicas({ replicas, quorum: 2, send })).toMatchObject({
      stage: 'rejected',
      refusedBy: 2,
    })
    expect(asked).toEqual(['replica-1', 'replica-2'])
  })

  it('one refusal, the others unreachable: unknown, watched, never rejected', async () => {
    const asked: string[] = []
    const send = async (replica: ReplicaRef): Promise<SubmitIntentResponse> => {
      asked.push(replica.id)
      if (replica.id === 'replica-1') {
        throw new ReplicaRequestError('http', 'no', 400, 'insufficient_available')
      }
      throw new ReplicaRequestError('network', 'Cannot reach it')
    }
    expect((await submitToReplicas({ replicas, quorum: 2, send })).stage).toBe('unknown')
    expect(asked).toEqual(['replica-1', 'replica-2', 'replica-3'])
  })

  it('a failure before anything was sent fails the request', async () => {
    const send = async (): Promise<SubmitIntentResponse> => {
      throw new TypeError('cannot serialize')
    }
    expect(await submitToReplicas({ replicas, quorum: 2, send })).toEqual({
      stage: 'failed',
      reason: { kind: 'text', text: 'TypeError: cannot serialize' },
    })
  })
})
