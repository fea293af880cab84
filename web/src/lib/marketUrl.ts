/*
 * One address per market: `?market=ETH-USDT` (a dash, since a slash would need escaping), so a
 * market can be linked, bookmarked and reloaded, and Back returns to the previous market.
 */

/** The market a query string names, if it is one of `marketIds`; matching ignores case. */
export function marketIdFromSearch(
  search: string,
  marketIds: readonly string[],
): string | undefined {
  const named = new URLSearchParams(search).get('market')
  if (named === null) return undefined
  const wanted = named.replace('-', '/').toUpperCase()
  return marketIds.find((id) => id.toUpperCase() === wanted)
}

/** `search` with its market parameter set to `marketId` (other parameters kept). */
export function searchWithMarket(search: string, marketId: string): string {
  const params = new URLSearchParams(search)
  params.set('market', marketId.replace('/', '-'))
  return `?${params.toString()}`
}
