import { afterEach, describe, expect, it } from 'vitest'
import { slowQuery } from '../testing/slowQuery.ts'
import { refetchPending, refetchWithoutCancelling } from './refetchWithoutCancelling.ts'

const queryKey = ['orders', '0xaa', 'ETH/USDT'] as const

let stop: (() => void) | undefined
afterEach(() => stop?.())
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('refetchWithoutCancelling', () => {
  it('joins a fetch in flight, then fetches once more for every change of the meantime', async () => {
    const { client, fetches, stop: end } = slowQuery<number>(queryKey)
    stop = end
    await expect.poll(() => fetches.length).toBe(1)
    // Events every few milliseconds while the first load is in flight.
    let settled = 0
    for (let event = 0; event < 5; event += 1) {
      refetchWithoutCancelling(client, queryKey)
        .then(() => (settled += 1))
        .catch(() => undefined)
    }
    await sleep(20)
    expect(fetches[0]!.signal.aborted).toBe(false)
    expect(fetches).toHaveLength(1)
    expect(refetchPending(client, queryKey)).toBe(true)

    // The fetch after the joined one starts after all five: it is the one more for all.
    fetches[0]!.finish(1)
    await expect.poll(() => fetches.length).toBe(2)
    expect(settled).toBe(0)
    // One more event during that fetch: owed, not a cancel.
    refetchWithoutCancelling(client, queryKey)
      .then(() => (settled += 1))
      .catch(() => undefined)
    await sleep(20)
    expect(fetches[1]!.signal.aborted).toBe(false)
    fetches[1]!.finish(2)
    await expect.poll(() => settled).toBe(5)
    await expect.poll(() => fetches.length).toBe(3)
    fetches[2]!.finish(3)
    await expect.poll(() => settled).toBe(6)
    await sleep(20)
    expect(fetches).toHaveLength(3)
    expect(client.getQueryData(queryKey)).toBe(3)
    expect(refetchPending(client, queryKey)).toBe(false)
  })

  it('fetches at once when nothing is in flight', async () => {
    const { client, fetches, stop: end } = slowQuery<number>(queryKey)
    stop = end
    await expect.poll(() => fetches.length).toBe(1)
    fetches[0]!.finish(1)
    await expect.poll(() => client.getQueryData(queryKey)).toBe(1)
    const done = refetchWithoutCancelling(client, queryKey)
    await expect.poll(() => fetches.length).toBe(2)
    fetches[1]!.finish(2)
    await done
    expect(client.getQueryData(queryKey)).toBe(2)
  })
})
