import { afterEach, describe, expect, it } from 'vitest'
import { slowQuery } from '../testing/slowQuery.ts'
import { verifiedPortfolioQueryKey } from './queries.ts'
import { forgetAnnouncedRoots, refreshVerifiedPortfolio } from './refreshVerifiedPortfolio.ts'

const address = '0x00000000000000000000000000000000000000aa'

/** A verified-balances query whose checks the test finishes by hand, as a slow BLS check. */
function slowBalances() {
  const { fetches: checks, ...query } = slowQuery<number>(verifiedPortfolioQueryKey(address))
  return { checks, ...query }
}

let stop: (() => void) | undefined
afterEach(() => stop?.())

/** A verified-portfolio query whose checks the test answers by hand with the index proven. */
function slowPortfolio() {
  const key = verifiedPortfolioQueryKey(address)
  const { fetches: checks, ...query } = slowQuery<{ index: number }>(key)
  const proven = () => query.client.getQueryData<{ index: number }>(key)
  return { ...query, checks, proven }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `slowPortfolio` once its first check proved root 3. */
async function provenAtThree() {
  const portfolio = slowPortfolio()
  stop = portfolio.stop
  await expect.poll(() => portfolio.checks.length).toBe(1)
  portfolio.checks[0]!.finish({ index: 3 })
  await expect.poll(() => portfolio.proven()?.index).toBe(3)
  return portfolio
}

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

describe('refreshVerifiedPortfolio with news from the stream', () => {
  it('checks a change at the root announced after it, not at each batch that changes it', async () => {
    const { client, checks, proven } = await provenAtThree()

    // Steady fills: batches 5 to 9 change the balances, none of them a root.
    for (let batch = 5; batch <= 9; batch += 1) {
      refreshVerifiedPortfolio(client, address, { changedAt: batch })
    }
    await sleep(50)
    expect(checks).toHaveLength(1)
    // A root older than the first change proves nothing new.
    refreshVerifiedPortfolio(client, address, { rootAt: 4 })
    await sleep(20)
    expect(checks).toHaveLength(1)

    refreshVerifiedPortfolio(client, address, { changedAt: 10, rootAt: 10 })
    await expect.poll(() => checks.length).toBe(2)
    checks[1]!.finish({ index: 10 })
    await expect.poll(() => proven()?.index).toBe(10)
    await sleep(100)
    expect(checks).toHaveLength(2)
  })

  it('asks again, spaced out, until a quorum has signed the root announced', async () => {
    const { client, checks, proven } = await provenAtThree()

    refreshVerifiedPortfolio(client, address, { changedAt: 8, rootAt: 8 })
    await expect.poll(() => checks.length).toBe(2)
    // The other replicas have not signed 8 yet: the quorum's root is still 3.
    checks[1]!.finish({ index: 3 })
    await expect.poll(() => checks.length).toBe(3)
    checks[2]!.finish({ index: 3 })
    await expect.poll(() => checks.length).toBe(4)
    checks[3]!.finish({ index: 8 })
    await expect.poll(() => proven()?.index).toBe(8)
    await sleep(150)
    expect(checks).toHaveLength(4)
  })

  it('checks each new root while a change is unproven, and after a wait when none comes', async () => {
    const { client, checks, proven } = await provenAtThree()

    // A root at 6 proves the change at 5, not the one at 7.
    refreshVerifiedPortfolio(client, address, { changedAt: 5 })
    refreshVerifiedPortfolio(client, address, { rootAt: 6 })
    refreshVerifiedPortfolio(client, address, { changedAt: 7 })
    await expect.poll(() => checks.length).toBe(2)
    checks[1]!.finish({ index: 6 })
    await expect.poll(() => proven()?.index).toBe(6)
    // No root after 7 is announced (the tip, hashed once its replica is idle): checked anyway.
    await sleep(600)
    expect(checks).toHaveLength(2)
    await expect.poll(() => checks.length, { timeout: 2_000 }).toBe(3)
    checks[2]!.finish({ index: 7 })
    await expect.poll(() => proven()?.index).toBe(7)
    await sleep(1_300)
    expect(checks).toHaveLength(3)
  })

  it("forgets a stream's announced roots when a new stream starts", async () => {
    const { client, checks, proven } = await provenAtThree()
    // A stream announces a root far ahead (a lie, or a replica far ahead of the others).
    refreshVerifiedPortfolio(client, address, { rootAt: 1_000 })
    forgetAnnouncedRoots(client, address)
    // The next stream's change waits for that stream's own root.
    refreshVerifiedPortfolio(client, address, { changedAt: 5 })
    await sleep(100)
    expect(checks).toHaveLength(1)
    refreshVerifiedPortfolio(client, address, { rootAt: 5 })
    await expect.poll(() => checks.length).toBe(2)
    checks[1]!.finish({ index: 5 })
    await expect.poll(() => proven()?.index).toBe(5)
  })
})
