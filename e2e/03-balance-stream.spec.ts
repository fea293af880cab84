import { expect, test, type Browser } from '@playwright/test'
import { openFundedUser } from './support/app.ts'

/** A funded, connected user whose USDT balance shows verified: its row and the amount shown. */
async function fundedUser(browser: Browser, baseURL: string) {
  const user = await openFundedUser(browser, baseURL)
  const amount = user.page.getByTestId('amount-USDT')
  await expect(amount).toHaveAttribute('data-source', 'verified')
  return { user, amount, before: await amount.textContent() }
}

/*
 * A batch that changes the account's balance shows at once, from the stream, marked as being
 * verified; a quorum's root and the balance's proof then verify it. Here the root attestations
 * and balance proofs are held back, so the streamed balance is all there is until they are let
 * through.
 */
test('a new balance shows from the stream at once, marked as verifying, then verified by the quorum', async ({
  browser,
  baseURL,
}) => {
  const { user, amount, before } = await fundedUser(browser, baseURL!)

  const held: (() => void)[] = []
  let holding = true
  await user.page.route(
    (url) =>
      url.pathname === '/root' || (url.pathname === '/balances' && url.searchParams.has('proof')),
    async (route) => {
      if (holding) await new Promise<void>((release) => held.push(release))
      await route.continue().catch(() => undefined)
    },
  )
  await user.page.getByTestId('faucet').click()
  // The mint's batch reaches the page through the stream while every root and proof waits.
  await expect(amount).toHaveAttribute('data-source', 'streamed', { timeout: 30_000 })
  await expect(amount).not.toHaveText(before!)
  await expect(user.page.getByTestId('badge-USDT')).toContainText('verifying batch #')
  const streamed = await amount.textContent()

  holding = false
  for (const release of held.splice(0)) release()
  await expect(user.page.getByTestId('badge-USDT')).toHaveText('✓ verified by 3 of 3 replicas', {
    timeout: 30_000,
  })
  await expect(amount).toHaveAttribute('data-source', 'verified')
  await expect(amount).toHaveText(streamed!)
  await user.context.close()
})

/*
 * A streamed balance that no quorum's root confirms within `STREAMED_BALANCE_TTL_MS` (10 s)
 * gives way to the balance a quorum proved, and the row says which batch's verification stalled
 * and at which batch the shown balance is proven. Here every replica's `/status` keeps naming
 * the root it had hashed before the mint (as replicas whose roots stopped moving would), so the
 * page's checks keep proving the balance at that root while the stream has moved on.
 */
test('a streamed balance no quorum root confirms within 10 s says its verification stalled, and shows the proven one', async ({
  browser,
  baseURL,
}) => {
  const { user, amount, before } = await fundedUser(browser, baseURL!)

  let frozen = true
  const rootIndexes = new Map<string, number>()
  await user.page.route(
    (url) => url.pathname === '/status',
    async (route) => {
      const response = await route.fetch()
      const status = (await response.json()) as { replicaId: string; stateHashIndex: number }
      if (!frozen) return route.fulfill({ response, json: status })
      const held = rootIndexes.get(status.replicaId) ?? status.stateHashIndex
      rootIndexes.set(status.replicaId, held)
      await route.fulfill({ response, json: { ...status, stateHashIndex: held } })
    },
  )
  // Statuses read from now on name the roots of before the mint.
  await expect.poll(() => rootIndexes.size, { timeout: 15_000 }).toBeGreaterThanOrEqual(2)
  await user.page.getByTestId('faucet').click()
  await expect(amount).toHaveAttribute('data-source', 'streamed', { timeout: 30_000 })
  const badgeText = await user.page.getByTestId('badge-USDT').textContent()
  const batch = /verifying batch #(\d+)/.exec(badgeText ?? '')![1]!

  const stalled = user.page.getByTestId('stalled-USDT')
  await expect(stalled).toContainText(
    `Verification stalled: no quorum confirmed batch #${batch} within 10 s; showing the balance ` +
      'proven at batch #',
    { timeout: 20_000 },
  )
  await expect(amount).toHaveAttribute('data-source', 'verified')
  await expect(amount).toHaveText(before!)
  await expect(user.page.getByTestId('badge-USDT')).toHaveText('✓ verified by 3 of 3 replicas')

  // The roots move again: the mint's balance is proven, and the stall is no longer said.
  frozen = false
  await expect(stalled).toHaveCount(0, { timeout: 30_000 })
  await expect(amount).not.toHaveText(before!)
  await expect(amount).toHaveAttribute('data-source', 'verified')
  await user.context.close()
})
