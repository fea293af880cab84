import type { TrackedRequest } from '../features/requests/requestsState.ts'

/**
 * A tracked request for unit tests: key `a`, a transfer in the wallet, started at 0; `patch`
 * sets what a test is about.
 */
export function fixtureRequest(patch: Partial<TrackedRequest> = {}): TrackedRequest {
  return {
    key: 'a',
    action: 'transfer',
    title: 'Transfer',
    text: 't',
    intentId: '0x1',
    signer: '0xaa',
    stage: 'wallet',
    startedAt: 0,
    ...patch,
  }
}
