import { expect, test, type Page } from '@playwright/test'
import { connect, openUser, units, useFaucet } from './support/app.ts'

/** Places a limit order through the form and waits until a replica applied its batch. */
async function placeLimit(
  page: Page,
  order: { side: 'buy' | 'sell'; price: string; quantity: string },
): Promise<void> {
  await page.getByTestId(`side-${order.side}`).click()
  await page.getByTestId('type-limit').click()
  await page.getByTestId('order-price').fill(order.price)
  await page.getByTestId('order-quantity').fill(order.quantity)
  await page.getByTestId('order-submit').click()
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

test('a resting order filled by another account: times on the trade and fill', async ({
  browser,
  baseURL,
}) => {
  const alice = await openUser(browser, { baseURL: baseURL! })
  const bob = await openUser(browser, { baseURL: baseURL! })
  await connect(alice)
  await connect(bob)
  await useFaucet(alice)
  await useFaucet(bob)

  const price = '2222.25'
  const priceUnits = units(price, 6).toString()
  await placeLimit(alice.page, { side: 'sell', price, quantity: '0.2' })
  const placed = alice.page.locator(`[data-testid="open-order"][data-price="${priceUnits}"]`)
  await expectRecentTime(alice.page, placed)

  await placeLimit(bob.page, { side: 'buy', price, quantity: '0.2' })

  // The trade row carries its batch time, shown as a time of day.
  const trade = alice.page.locator(`[data-testid="trade-row"][data-price="${priceUnits}"]`).first()
  await expect(trade).toHaveAttribute('data-time', /^\d+$/)
  await expectRecentTime(alice.page, trade)
  await alice.page.getByTestId('tab-fills').click()
  await expectRecentTime(
    alice.page,
    alice.page.locator(`[data-testid="fill"][data-price="${priceUnits}"]`).first(),
  )
  await alice.context.close()
  await bob.context.close()
})
