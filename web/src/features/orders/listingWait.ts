/**
 * How many newer lists of open orders the table waits for while rows wait on one (listed
 * before the root, or missing from the list the root check proved), before it judges them
 * against the root as they are (`OrderListing.waitedFor`): an honest replica's next list
 * settles them; a replica that keeps serving an old or differing list is named instead.
 */
export const listingRefetchesMax = 3

/** The lists counted while rows wait on a newer one. */
export interface ListingWait {
  /** Lists that arrived since rows began to wait (at most `listingRefetchesMax`). */
  readonly lists: number
  /** When the last list counted arrived (the query's `dataUpdatedAt`); undefined: no wait. */
  readonly listedAt: number | undefined
}

export const notWaiting: ListingWait = { lists: 0, listedAt: undefined }

/**
 * The wait after a render: `waiting`, whether a row waits on a newer list (judged as if the
 * table still waited), and `listedAt`, when the list shown arrived. Returns `wait` itself when
 * nothing changed.
 */
export function nextListingWait(
  wait: ListingWait,
  waiting: boolean,
  listedAt: number,
): ListingWait {
  if (!waiting) return wait.listedAt === undefined ? wait : notWaiting
  if (wait.listedAt === undefined) return { lists: 0, listedAt }
  if (listedAt === wait.listedAt) return wait
  return { lists: Math.min(wait.lists + 1, listingRefetchesMax), listedAt }
}

/** Whether the table has waited for as many lists as it waits for. */
export function waitedFor(wait: ListingWait): boolean {
  return wait.lists >= listingRefetchesMax
}
