/**
 * `fn` over `items` with at most `limit` calls running at once; results in input order. A
 * rejection rejects the whole map (as `Promise.all` does).
 */
export async function mapLimit<item, result>(
  items: readonly item[],
  limit: number,
  fn: (item: item) => Promise<result>,
): Promise<result[]> {
  const results: result[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const position = next++
        results[position] = await fn(items[position]!)
      }
    }),
  )
  return results
}
