import { describe, expect, it } from 'vitest'
import { fixtureRequest } from '../../testing/requestFixture.ts'
import type { RequestStage, TrackedRequest } from '../requests/requestsState.ts'
import { cancellingIn } from './cancelling.ts'

const request = (
  stage: RequestStage,
  patch: Partial<TrackedRequest> & Pick<TrackedRequest, 'action'>,
): TrackedRequest =>
  fixtureRequest({
    key: `${stage}-${patch.orderId ?? patch.action}`,
    stage,
    market: 'ETH/USDT',
    ...patch,
  })

describe('cancels under way', () => {
  it('names the orders whose cancel is on its way, and a cancel-all, in one market', () => {
    const requests = [
      request('wallet', { action: 'cancel', orderId: '0xa' }),
      request('finalized', { action: 'cancel', orderId: '0xb' }),
      request('applied', { action: 'cancel', orderId: '0xc' }),
      request('rejected', { action: 'cancel', orderId: '0xd' }),
      request('submitted', { action: 'cancel', orderId: '0xe', market: 'BTC/USDT' }),
      request('submitted', { action: 'order' }),
    ]
    expect(cancellingIn(requests, 'ETH/USDT')).toEqual({
      all: false,
      orderIds: new Set(['0xa', '0xb']),
    })
    expect(cancellingIn(requests, 'BTC/USDT').orderIds).toEqual(new Set(['0xe']))
    const all = [request('submitting', { action: 'cancelAll' })]
    expect(cancellingIn(all, 'ETH/USDT').all).toBe(true)
    expect(cancellingIn(all, 'BTC/USDT').all).toBe(false)
    expect(cancellingIn([request('declined', { action: 'cancelAll' })], 'ETH/USDT').all).toBe(false)
  })
})
