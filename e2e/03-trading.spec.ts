import { expect, test, type Page } from '@playwright/test'
import {
  connect,
  keepScreenshot,
  openUser,
  units,
  useFaucet,
  verifiedBalance,
  waitForBalance,
  type User,
} from './support/app.ts'

async function placeOrder(
  page: Page,
  order: {
    side: 'buy' | 'sell'
    price?: string
    quantity: string
    tif?: 'GTC' | 'POST_ONLY' | 'IOC'
  },
) {
  await page.getByTestId(`side-${order.side}`).click()
  await page.getByTestId('type-limit').click()
  if (order.tif) await page.getByTestId('time-in-force').selectOption(order.tif)
  if (order.price !== undefined) await page.getByTestId('order-price').fill(order.price)
  await page.getByTestId('order-quantity').fill(order.quantity)
  await expect(page.getByTestId('order-submit')).toBeEnabled()
  await page.getByTestId('order-submit').click()
  const request = page
    .getByTestId('request')
    .filter({ hasText: order.side === 'buy' ? 'Buy' : 'Sell' })
    .first()
  await expect(request).toHaveAttribute('data-stage', /finalized|applied/, { timeout: 30_000 })
}

async function twoFundedTraders(
  browser: Parameters<Parameters<typeof test>[2]>[0]['browser'],
  baseURL: string,
): Promise<[User, User]> {
  const alice = await openUser(browser, { baseURL })
  const bob = await openUser(browser, { baseURL })
  await connect(alice)
  await connect(bob)
  await useFaucet(alice)
  await useFaucet(bob)
  return [alice, bob]
}

test('order entry validates each field and explains the disabled button', async ({
  browser,
  baseURL,
}) => {
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  const { page } = user
  await page.getByTestId('order-price').fill('2000.001')
  await page.getByTestId('order-quantity').fill('0.5')
  await expect(page.getByTestId('order-submit')).toBeDisabled()
  await expect(page.getByTestId('order-submit')).toHaveText('Price not on tick')
  await page.getByTestId('order-price').fill('2000')
  await page.getByTestId('order-quantity').fill('0.0005')
  await expect(page.getByTestId('order-submit')).toHaveText('Amount not on lot size')
  await page.getByTestId('order-quantity').fill('0.5')
  await expect(page.getByTestId('order-total')).toHaveValue('1000')
  await user.context.close()
})

test('two accounts place crossing orders: the trade shows in both UIs and balances move', async ({
  browser,
  baseURL,
}, testInfo) => {
  const [alice, bob] = await twoFundedTraders(browser, baseURL!)
  const aliceEth = await verifiedBalance(alice.page, 'ETH')
  const aliceUsdt = await verifiedBalance(alice.page, 'USDT')
  const bobEth = await verifiedBalance(bob.page, 'ETH')
  const bobUsdt = await verifiedBalance(bob.page, 'USDT')

  // Alice rests a sell; her own level is highlighted, Bob sees it in his book.
  const price = '1937.45'
  const priceUnits = units(price, 6).toString()
  await placeOrder(alice.page, { side: 'sell', price, quantity: '0.25' })
  await expect(
    alice.page.locator(`[data-testid="open-order"][data-price="${priceUnits}"]`),
  ).toHaveCount(1)
  await expect(
    alice.page.locator(`[data-testid="book-row"][data-price="${priceUnits}"]`),
  ).toHaveAttribute('data-mine', 'true')
  await waitForBalance(alice.page, 'ETH', (b) => b.locked === units('0.25', 18))
  const bobRow = bob.page.locator(
    `[data-testid="book-row"][data-side="sell"][data-price="${priceUnits}"]`,
  )
  await expect(bobRow).toHaveAttribute('data-mine', 'false')

  // Bob clicks the ask: the form takes its price; he buys it.
  await bob.page.getByTestId('side-buy').click()
  await bobRow.click()
  await expect(bob.page.getByTestId('order-price')).toHaveValue(price)
  await bob.page.getByTestId('order-quantity').fill('0.25')
  await bob.page.getByTestId('order-submit').click()

  for (const user of [alice, bob]) {
    await expect(
      user.page.locator(`[data-testid="trade-row"][data-price="${priceUnits}"]`).first(),
    ).toHaveAttribute('data-mine', 'true')
    await expect(user.page.getByTestId('last-price')).toHaveText('1,937.45')
  }
  const notional = units('484.3625', 6)
  const quantity = units('0.25', 18)
  await waitForBalance(
    alice.page,
    'ETH',
    (b) => b.available === aliceEth.available - quantity && b.locked === 0n,
  )
  await waitForBalance(alice.page, 'USDT', (b) => b.available === aliceUsdt.available + notional)
  await waitForBalance(bob.page, 'ETH', (b) => b.available === bobEth.available + quantity)
  await waitForBalance(bob.page, 'USDT', (b) => b.available === bobUsdt.available - notional)
  await alice.page.getByTestId('tab-fills').click()
  await expect(alice.page.getByTestId('fill').first()).toHaveAttribute('data-price', priceUnits)
  await expect(
    alice.page.locator(`[data-testid="book-row"][data-price="${priceUnits}"]`),
  ).toHaveCount(0)
  await keepScreenshot(bob.page, testInfo, 'main-after-trade-1440x900')
  await bob.page.setViewportSize({ width: 390, height: 844 })
  await keepScreenshot(bob.page, testInfo, 'main-phone-390x844')
  await alice.context.close()
  await bob.context.close()
})

test('cancel (the row says Cancelling…), cancel all after a confirm, an applied request says how long it took and fades, and a rejected order shows its reason', async ({
  browser,
  baseURL,
}) => {
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  const { page } = user
  const usdt = await verifiedBalance(page, 'USDT')
  await placeOrder(page, { side: 'buy', price: '1001', quantity: '0.1', tif: 'POST_ONLY' })
  await placeOrder(page, { side: 'buy', price: '1002', quantity: '0.1' })
  await expect(page.getByTestId('open-order')).toHaveCount(2)
  await waitForBalance(page, 'USDT', (b) => b.locked === units('200.3', 6))
  // The last order's card: applied, how long after signing, then it fades.
  const placed = page.getByTestId('request').filter({ hasText: 'Buy 0.1 ETH @ 1002' }).first()
  await expect(placed).toHaveAttribute('data-stage', 'applied', { timeout: 30_000 })
  await expect(placed.getByTestId('request-elapsed')).toHaveText(
    /^ · \d+(\.\d\d)? s after signing$/,
  )
  await expect(placed).toHaveClass(/settled/, { timeout: 10_000 })

  // Cancels reach the replicas a second late here, so the row shows its cancel under way.
  await page.route(
    (url) => url.pathname === '/cancel',
    async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      await route.continue()
    },
  )
  const first = page.getByTestId('open-order').filter({ hasText: '1,001.00' })
  await first.getByTestId('cancel-order').click()
  await expect(first.getByTestId('cancel-order')).toHaveText('Cancelling…')
  await expect(first.getByTestId('cancel-order')).toBeDisabled()
  await expect(page.getByTestId('open-order')).toHaveCount(1)
  await expect(
    page.locator(`[data-testid="book-row"][data-price="${units('1001', 6)}"]`),
  ).toHaveCount(0)

  // Cancel all asks first; keeping them cancels nothing.
  await page.getByTestId('cancel-all').click()
  await expect(page.getByRole('group', { name: 'Confirm cancel all' })).toContainText(
    'Cancel all 1 ETH/USDT orders?',
  )
  await page.getByTestId('cancel-all-keep').click()
  await expect(page.getByTestId('cancel-all-confirm')).toHaveCount(0)
  // A question left open while the last order went (cancelled from its row here) is not asked
  // again when a new order comes.
  await page.getByTestId('cancel-all').click()
  await page.getByTestId('open-order').getByTestId('cancel-order').click()
  await expect(page.getByTestId('open-order')).toHaveCount(0)
  await placeOrder(page, { side: 'buy', price: '1003', quantity: '0.1' })
  await expect(page.getByTestId('open-order')).toHaveCount(1)
  await expect(page.getByTestId('cancel-all')).toBeVisible()
  await expect(page.getByTestId('cancel-all-confirm')).toHaveCount(0)
  await page.getByTestId('cancel-all').click()
  await page.getByTestId('cancel-all-confirm').click()
  await expect(page.getByTestId('open-order').getByTestId('cancel-order')).toHaveText('Cancelling…')
  await expect(page.getByTestId('open-order')).toHaveCount(0)
  await waitForBalance(page, 'USDT', (b) => b.locked === 0n && b.available === usdt.available)

  // An immediate-or-cancel buy far below every ask cannot match: rejected, with the reason.
  await page.getByTestId('side-buy').click()
  await page.getByTestId('time-in-force').selectOption('IOC')
  await page.getByTestId('order-price').fill('10')
  await page.getByTestId('order-quantity').fill('0.1')
  await page.getByTestId('order-submit').click()
  const rejected = page.getByTestId('request').filter({ hasText: 'Buy 0.1 ETH @ 10' }).first()
  await expect(rejected).toHaveAttribute('data-stage', 'rejected', { timeout: 30_000 })
  await expect(rejected.getByTestId('request-status')).toContainText('Rejected: No liquidity')
  await user.context.close()
})
