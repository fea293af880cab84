import { describe, expect, it } from 'vitest'
import { listingRefetchesMax, nextListingWait, notWaiting, waitedFor } from './listingWait.ts'

describe('nextListingWait', () => {
  it('counts the lists that arrive while rows wait on a newer one, up to the limit', () => {
    let wait = nextListingWait(notWaiting, true, 1000)
    expect(waitedFor(wait)).toBe(false)
    // The same list again (a render, not a refetch) counts nothing.
    expect(nextListingWait(wait, true, 1000)).toBe(wait)
    for (let list = 1; list <= listingRefetchesMax; list += 1) {
      expect(waitedFor(wait)).toBe(false)
      wait = nextListingWait(wait, true, 1000 + list)
    }
    expect(waitedFor(wait)).toBe(true)
    expect(waitedFor(nextListingWait(wait, true, 9999))).toBe(true)
  })

  it('starts over once no row waits on the list', () => {
    let wait = nextListingWait(notWaiting, true, 1)
    for (let list = 2; list <= 10; list += 1) wait = nextListingWait(wait, true, list)
    expect(waitedFor(wait)).toBe(true)
    wait = nextListingWait(wait, false, 11)
    expect(wait).toEqual(notWaiting)
    expect(waitedFor(nextListingWait(wait, true, 12))).toBe(false)
  })
})
