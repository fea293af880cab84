import { expect, test } from '@playwright/test'
import { connect, openUser, useFaucet } from './support/app.ts'

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
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  const amount = user.page.getByTestId('amount-USDT')
  await expect(amount).toHaveAttribute('data-source', 'verified')
  const before = await amount.textContent()

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
