import { expect, test } from '@playwright/test'
import { connect, openUser, useFaucet, verifiedBalance } from './support/app.ts'

/*
 * Balance proofs are checked in a Web Worker: the BLS pairings of every check (tens of
 * milliseconds per token, checked again after each batch that touches the account) never hold
 * the page's main thread, so the book and chart keep painting under steady fills. Its verifier
 * is herumi, whose WebAssembly comes as its own file, compiled as it streams in (the build's
 * `web/vite/herumiWasm.ts`), which needs the WebAssembly media type; the worker starts once the
 * page is up, before a wallet connects.
 */
test('balance proofs are checked in a worker, and still verify 3 of 3', async ({
  browser,
  baseURL,
}) => {
  const wasmTypes: string[] = []
  const user = await openUser(browser, {
    baseURL: baseURL!,
    prepare: (page) =>
      page.route('**/assets/herumi-*.wasm', async (route) => {
        const response = await route.fetch()
        wasmTypes.push(response.headers()['content-type'] ?? '')
        await route.fulfill({ response })
      }),
  })
  const blsWorkers = () => user.page.workers().filter((worker) => /blsWorker/.test(worker.url()))
  // Started, and herumi fetched, before any wallet is connected: a first check waits for neither.
  await expect.poll(() => blsWorkers().length).toBe(1)
  await expect.poll(() => wasmTypes.length).toBe(1)
  await connect(user)
  await useFaucet(user)
  const usdt = await verifiedBalance(user.page, 'USDT')
  expect(usdt.k).toBe(3)
  expect(usdt.available).toBeGreaterThan(0n)
  await expect(user.page.getByTestId('badge-USDT')).toHaveText('✓ verified by 3 of 3 replicas')
  expect(blsWorkers()).toHaveLength(1)
  expect(wasmTypes).toEqual(['application/wasm'])
  await user.context.close()
})

/*
 * herumi's WebAssembly (454 kB, compiled as it streams in) is asked for as soon as the worker
 * wants herumi, together with herumi's script chunk, not once that chunk has arrived and run:
 * here the chunk is held back until the WebAssembly has been asked for (or 5 s have passed).
 */
test("herumi's WebAssembly downloads while its script chunk is still on its way", async ({
  browser,
  baseURL,
}) => {
  let wasmAsked: () => void = () => {}
  const wasmRequested = new Promise<void>((resolve) => (wasmAsked = resolve))
  const chunkHeldUntil: string[] = []
  const user = await openUser(browser, {
    baseURL: baseURL!,
    prepare: async (page) => {
      await page.route('**/assets/herumi-*.wasm', async (route) => {
        wasmAsked()
        await route.continue()
      })
      await page.route('**/assets/herumi-*.js', async (route) => {
        const timeout = new Promise<string>((resolve) => setTimeout(resolve, 5000, 'timeout'))
        chunkHeldUntil.push(await Promise.race([wasmRequested.then(() => 'wasm'), timeout]))
        await route.continue()
      })
    },
  })
  await expect.poll(() => chunkHeldUntil.length).toBeGreaterThan(0)
  expect(chunkHeldUntil).toEqual(['wasm'])
  await connect(user)
  await useFaucet(user)
  await expect(user.page.getByTestId('badge-USDT')).toHaveText('✓ verified by 3 of 3 replicas')
  await user.context.close()
})

/*
 * A browser that will not run WebAssembly (turned off by policy, or its file not served) checks
 * in JavaScript (`@noble/curves`, the same answers): with herumi's file never loading, every
 * check still verifies.
 */
test('balances verify 3 of 3 without the WebAssembly verifier', async ({ browser, baseURL }) => {
  const blocked: string[] = []
  const user = await openUser(browser, {
    baseURL: baseURL!,
    prepare: (page) =>
      page.route('**/assets/herumi-*.wasm', (route) => {
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
