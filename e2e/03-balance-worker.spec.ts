import { expect, test } from '@playwright/test'
import { connect, openUser, useFaucet, verifiedBalance } from './support/app.ts'

/*
 * Balance proofs are checked in a Web Worker: the BLS pairings of every check (tens of
 * milliseconds per token, checked again after each batch that touches the account) never hold
 * the page's main thread, so the book and chart keep painting under steady fills.
 */
test('balance proofs are checked in a worker, and still verify 3 of 3', async ({
  browser,
  baseURL,
}) => {
  const user = await openUser(browser, { baseURL: baseURL! })
  const workers: string[] = []
  user.page.on('worker', (worker) => workers.push(worker.url()))
  await connect(user)
  await useFaucet(user)
  const usdt = await verifiedBalance(user.page, 'USDT')
  expect(usdt.k).toBe(3)
  expect(usdt.available).toBeGreaterThan(0n)
  await expect(user.page.getByTestId('badge-USDT')).toHaveText('✓ verified by 3 of 3 replicas')
  expect(workers.filter((url) => /blsWorker/.test(url))).toHaveLength(1)
  await user.context.close()
})

/*
 * herumi's WebAssembly (680 kB) takes longer to fetch and compile than a check: until it is in,
 * checks are answered in JavaScript (`@noble/curves`, the same answers). With herumi never
 * loading, every check is answered that way and still verifies.
 */
test('balances verify 3 of 3 before (and without) the WebAssembly verifier', async ({
  browser,
  baseURL,
}) => {
  const blocked: string[] = []
  const user = await openUser(browser, {
    baseURL: baseURL!,
    prepare: (page) =>
      page.route('**/assets/herumi-*.js', (route) => {
        blocked.push(route.request().url())
        return route.abort()
      }),
  })
  await connect(user)
  await useFaucet(user)
  const usdt = await verifiedBalance(user.page, 'USDT')
  expect(usdt.k).toBe(3)
  await expect(user.page.getByTestId('badge-USDT')).toHaveText('✓ verified by 3 of 3 replicas')
  expect(blocked.length).toBeGreaterThan(0)
  await user.context.close()
})
