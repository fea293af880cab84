import { QueryClient, QueryObserver } from '@tanstack/react-query'
import { afterEach, describe, expect, it } from 'vitest'
import { verifiedPortfolioQueryKey } from './queries.ts'
import { refreshVerifiedPortfolio } from './refreshVerifiedPortfolio.ts'

const address = '0x00000000000000000000000000000000000000aa'

/** A verified-balances query whose checks the test finishes by hand, as a slow BLS check. */
function slowBalances() {
  const client = new QueryClient()
  const checks: { signal: AbortSignal; finish: (value: number) => void }[] = []
  const observer = new QueryObserver(client, {
    queryKey: verifiedPortfolioQueryKey(address),
    queryFn: ({ signal }) => new Promise<number>((finish) => checks.push({ signal, finish })),
    retry: false,
  })
  const unsubscribe = observer.subscribe(() => {})
  return { client, checks, stop: () => (unsubscribe(), client.clear()) }
}

let stop: (() => void) | undefined
afterEach(() => stop?.())

describe('refreshVerifiedPortfolio', () => {
  it('never cancels a running check; the latest batch is checked once it ends', async () => {
    const { client, checks, stop: end } = slowBalances()
    stop = end
    await expect.poll(() => checks.length).toBe(1)
    checks[0]!.finish(1)
    await expect.poll(() => client.getQueryData(verifiedPortfolioQueryKey(address))).toBe(1)

    // Steady fills: a batch touches the balances every few milliseconds during a check.
    refreshVerifiedPortfolio(client, address)
    await expect.poll(() => checks.length).toBe(2)
    for (let batch = 0; batch < 5; batch += 1) refreshVerifiedPortfolio(client, address)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(checks[1]!.signal.aborted).toBe(false)
    expect(checks).toHaveLength(2)

    checks[1]!.finish(2)
    await expect.poll(() => client.getQueryData(verifiedPortfolioQueryKey(address))).toBe(2)
    // One more check for everything that came in meanwhile, not one per batch.
    await expect.poll(() => checks.length).toBe(3)
    checks[2]!.finish(3)
    await expect.poll(() => client.getQueryData(verifiedPortfolioQueryKey(address))).toBe(3)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(checks).toHaveLength(3)
  })

  it('joins a check that started before the batch, then checks again; else starts at once', async () => {
    const { client, checks, stop: end } = slowBalances()
    stop = end
    await expect.poll(() => checks.length).toBe(1)
    refreshVerifiedPortfolio(client, address)
    expect(checks[0]!.signal.aborted).toBe(false)
    checks[0]!.finish(0)
    await expect.poll(() => checks.length).toBe(2)
    checks[1]!.finish(1)
    await expect.poll(() => client.getQueryData(verifiedPortfolioQueryKey(address))).toBe(1)
    refreshVerifiedPortfolio(client, address)
    await expect.poll(() => checks.length).toBe(3)
  })
})
