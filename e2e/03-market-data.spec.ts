import { expect, test, type Page } from '@playwright/test'
import {
  keepScreenshot,
  submitLimit,
  units,
  type LimitOrder,
  openFundedUser,
} from './support/app.ts'

/** Places a limit order through the form and waits until a replica applied its batch. */
async function placeLimit(page: Page, order: LimitOrder): Promise<void> {
  await submitLimit(page, order)
  const request = page.getByTestId('request').first()
  await expect(request).toHaveAttribute('data-stage', /finalized|applied/, { timeout: 30_000 })
}

/** A `<time>` inside `cell` that names a moment within the last few minutes. */
async function expectRecentTime(page: Page, cell: ReturnType<Page['getByTestId']>) {
  const time = cell.locator('time')
  await expect(time).toHaveText(/\d{1,2}:\d{2}:\d{2}|now|sec ago|min ago/)
  const shown = Date.parse((await time.getAttribute('datetime'))!)
  const now = await page.evaluate(() => Date.now())
  expect(Math.abs(now - shown)).toBeLessThan(5 * 60_000)
}

test('a resting order filled by another account: times, fill toasts to both, a candle on the chart, cancel and reject toasts', async ({
  browser,
  baseURL,
}, testInfo) => {
  // Two traders, set up side by side; the machine is shared, so this test may take longer.
  test.setTimeout(150_000)
  const setUp = () => openFundedUser(browser, baseURL!)
  const [alice, bob] = await Promise.all([setUp(), setUp()])

  const price = '2222.25'
  const priceUnits = units(price, 6).toString()
  await placeLimit(alice.page, { side: 'sell', price, quantity: '0.2' })
  const placed = alice.page.locator(`[data-testid="open-order"][data-price="${priceUnits}"]`)
  await expectRecentTime(alice.page, placed)

  // Bob's depth chart shows Alice's ask among the asks.
  await bob.page.getByTestId('chart-kind-depth').click()
  await expect
    .poll(async () =>
      BigInt((await bob.page.getByTestId('depth-summary').getAttribute('data-ask-depth')) ?? '0'),
    )
    .toBeGreaterThanOrEqual(units('0.2', 18))
  await expect(bob.page.getByTestId('depth-summary')).toContainText('asks')
  await expect(bob.page.getByTestId('depth-chart').locator('path.depth-asks')).toHaveAttribute(
    'd',
    /Z$/,
  )

  const volume = async () =>
    units(
      (await alice.page.getByTestId('stat-volume').innerText()).replace(/[^0-9.]/g, '') || '0',
      18,
    )
  const volumeBefore = await volume()

  // Alice's toast is awaited from before Bob buys: toasts leave by themselves after a while.
  const aliceToast = alice.page.getByTestId('toast').filter({ hasText: 'Sell order filled' })
  const aliceTold = expect(aliceToast).toContainText('0.2 ETH at 2,222.25 USDT', {
    timeout: 40_000,
  })
  const bobToast = bob.page.getByTestId('toast').filter({ hasText: 'Buy order filled' })
  const bobTold = expect(bobToast).toContainText('0.2 ETH at 2,222.25 USDT', { timeout: 40_000 })
  await placeLimit(bob.page, { side: 'buy', price, quantity: '0.2' })
  await aliceTold
  await bobTold
  await expect(alice.page.getByRole('status', { name: 'Notifications' })).toHaveAttribute(
    'aria-live',
    'polite',
  )

  // The trade row carries its batch time, shown as a time of day.
  const trade = alice.page.locator(`[data-testid="trade-row"][data-price="${priceUnits}"]`).first()
  await expect(trade).toHaveAttribute('data-time', /^\d+$/)
  await expectRecentTime(alice.page, trade)
  // Bob took Alice's ask: the tape says so in words, not only in the price's colour.
  await expect(trade.getByRole('cell').nth(2)).toHaveText('Buy')
  // The header's 24 h figures count the trade.
  await expect(alice.page.getByTestId('last-price')).toHaveText('2,222.25')
  await expect.poll(volume).toBe(volumeBefore + units('0.2', 18))
  await expect(alice.page.getByTestId('stat-high')).not.toHaveText('—')

  // The chart draws a candle for the trade, and says its close in text (canvas is not read).
  const summary = alice.page.getByTestId('chart-summary')
  await expect(summary).toHaveAttribute('data-last-close', priceUnits)
  await expect(summary).toContainText('close 2,222.25 USDT')
  await alice.page.getByTestId('chart-interval-1h').click()
  await expect(summary).toContainText('Last 1h candle')
  await expect(summary).toHaveAttribute('data-last-close', priceUnits)
  await expect(alice.page.getByTestId('chart').locator('canvas').first()).toBeVisible()
  // One candle fitted to the chart keeps a candle's width instead of filling half of it.
  const spacing = await alice.page.locator('[data-bar-spacing]').getAttribute('data-bar-spacing')
  expect(Number(spacing)).toBeGreaterThan(0)
  expect(Number(spacing)).toBeLessThanOrEqual(24)
  await keepScreenshot(alice.page, testInfo, 'chart-after-trade-1440x900')
  await alice.page.getByTestId('tab-fills').click()
  await expectRecentTime(
    alice.page,
    alice.page.locator(`[data-testid="fill"][data-price="${priceUnits}"]`).first(),
  )

  // A cancel, and a rejection with its reason in words, each told to its own trader.
  const cancelled = alice.page.getByTestId('toast').filter({ hasText: 'Order cancelled' })
  const rejected = bob.page.getByTestId('toast').filter({ hasText: 'Rejected' })
  const aliceCancels = async () => {
    const told = expect(cancelled).toContainText('Sell 0.1 ETH at 3,333.33 · Cancelled by you', {
      timeout: 60_000,
    })
    await alice.page.getByTestId('tab-open').click()
    await placeLimit(alice.page, { side: 'sell', price: '3333.33', quantity: '0.1' })
    await alice.page.getByTestId('cancel-order').first().click()
    await told
  }
  const bobIsRejected = async () => {
    const told = expect(rejected).toContainText('No liquidity to match against', {
      timeout: 60_000,
    })
    await bob.page.getByTestId('side-buy').click()
    await bob.page.getByTestId('time-in-force').selectOption('IOC')
    await bob.page.getByTestId('order-price').fill('10')
    await bob.page.getByTestId('order-quantity').fill('0.1')
    await bob.page.getByTestId('order-submit').click()
    await told
    await expect(rejected).toHaveAttribute('data-kind', 'reject')
  }
  await Promise.all([aliceCancels(), bobIsRejected()])
  await alice.context.close()
  await bob.context.close()
})
