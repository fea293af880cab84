/** Bodies with counts: the same batch text may be sent, sequenced or queued more than once. */
export type Multiset = Map<string, number>

/** Adds one occurrence of `body`. */
export function addOne(multiset: Multiset, body: string): void {
  multiset.set(body, (multiset.get(body) ?? 0) + 1)
}

/** Removes one occurrence of `body`; says whether it was there. */
export function removeOne(multiset: Multiset, body: string): boolean {
  const count = multiset.get(body)
  if (count === undefined) return false
  if (count <= 1) multiset.delete(body)
  else multiset.set(body, count - 1)
  return true
}
