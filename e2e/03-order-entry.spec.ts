import { expect, test } from '@playwright/test'
import {
  connect,
  keepScreenshot,
  openFundedUser,
  openUser,
  placeLimitAndSeeLevel,
  units,
  useFaucet,
} from './support/app.ts'

test('switching market starts a fresh order form: no price or amount carries over', async ({
  browser,
  baseURL,
}) => {
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  const { page } = user
  await page.getByTestId('side-sell').click()
  await page.getByTestId('order-price').fill('2345.67')
  await page.getByTestId('order-quantity').fill('0.75')
  await expect(page.getByTestId('order-form')).toContainText('Trade ETH/USDT')

  await page.getByLabel('Market').selectOption('BTC/USDT')
  await expect(page.getByTestId('order-form')).toContainText('Trade BTC/USDT')
  await expect(page.getByTestId('order-price')).not.toHaveValue('2345.67')
  await expect(page.getByTestId('order-quantity')).toHaveValue('')
  await expect(page.getByTestId('side-buy')).toHaveAttribute('aria-checked', 'true')

  // Back to ETH/USDT: a fresh form there too.
  await page.getByLabel('Market').selectOption('ETH/USDT')
  await expect(page.getByTestId('order-quantity')).toHaveValue('')
  await expect(page.getByTestId('order-price')).not.toHaveValue('2345.67')
  await user.context.close()
})

test('sizing buttons fill a share of the balance; a Shift+click on a level takes its price and the size up to it', async ({
  browser,
  baseURL,
}) => {
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user) // 10,000 USDT, 10 ETH and 0.5 BTC
  const { page } = user
  const quantity = page.getByTestId('order-quantity')
  await page.getByTestId('side-sell').click()
  await page.getByTestId('size-50').click()
  await expect(quantity).toHaveValue('5')
  await page.getByTestId('size-max').click()
  await expect(quantity).toHaveValue('10')

  // A buy spends USDT at the price: 25% of 10,000 USDT at 2,000 is 1.25 ETH; 100% is 5 ETH,
  // which the balance covers exactly.
  await page.getByTestId('side-buy').click()
  await page.getByTestId('order-price').fill('2000')
  await page.getByTestId('size-25').click()
  await expect(quantity).toHaveValue('1.25')
  await page.getByTestId('size-100').click()
  await expect(quantity).toHaveValue('5')
  await expect(page.getByTestId('order-submit')).toHaveText('Buy 5 ETH')

  // The user's own ask rests in the book; a Shift+click on it takes its price and the book's
  // size from the best ask up to it; a plain click takes the price only.
  const price = '3001.11'
  await page.getByTestId('side-sell').click()
  await page.getByTestId('order-price').fill(price)
  await quantity.fill('0.3')
  await page.getByTestId('order-submit').click()
  const level = page.locator(
    `[data-testid="book-row"][data-side="sell"][data-price="${units(price, 6)}"]`,
  )
  await expect(level).toBeVisible({ timeout: 30_000 })
  await page.getByTestId('side-buy').click()
  await quantity.fill('')
  await level.click({ modifiers: ['Shift'] })
  await expect(page.getByTestId('order-price')).toHaveValue(price)
  const total = BigInt((await level.getAttribute('data-total'))!)
  expect(total).toBeGreaterThanOrEqual(units('0.3', 18))
  await expect.poll(async () => units(await quantity.inputValue(), 18)).toBe(total)
  await quantity.fill('0.05')
  await level.click()
  await expect(quantity).toHaveValue('0.05')
  await user.context.close()
})

test('a total sizes the order, the fee is stated, a market order shows its fill under the bound picked, and a self-trade is warned of', async ({
  browser,
  baseURL,
}, testInfo) => {
  const alice = await openFundedUser(browser, baseURL!)
  const bob = await openFundedUser(browser, baseURL!)
  const { page } = alice
  const quantity = page.getByTestId('order-quantity')
  const total = page.getByTestId('order-total')

  // Both ways: a total of 1,000 USDT at 2,000 is 0.5 ETH; an amount of 0.25 ETH is 500 USDT.
  await page.getByTestId('order-price').fill('2000')
  await total.fill('1000')
  await expect(quantity).toHaveValue('0.5')
  await expect(page.getByTestId('order-submit')).toHaveText('Buy 0.5 ETH')
  await quantity.fill('0.25')
  await expect(total).toHaveValue('500')
  await expect(page.getByTestId('order-fee')).toHaveText('0 USDT')

  // Bob's ask is someone else's liquidity; Alice's own ask rests above it.
  await placeLimitAndSeeLevel(bob.page, { side: 'sell', price: '3002.22', quantity: '0.5' })
  await placeLimitAndSeeLevel(page, { side: 'sell', price: '3003.33', quantity: '0.3' })
  await page.getByTestId('side-buy').click()
  await page.getByTestId('order-price').fill('3003.33')
  // More than every other ask below it (the other tests' orders rest in this book too).
  await quantity.fill('8')
  await expect(page.getByRole('alert').filter({ hasText: 'may be cancelled' })).toContainText(
    'Your resting sell at 3,003.33 USDT',
    { timeout: 15_000 },
  )
  await page.getByTestId('order-price').fill('3000')
  await expect(page.getByRole('alert').filter({ hasText: 'may be cancelled' })).toHaveCount(0)

  // A market buy: what the book fills at once, under the bound the trader picks (remembered).
  await page.getByTestId('type-market').click()
  await quantity.fill('0.01')
  await expect(page.getByTestId('order-fill-estimate')).toHaveText(/^≈ 0\.01 ETH @ [\d,.]+ USDT$/)
  await expect(page.getByTestId('order-impact')).toHaveText(/^\d+\.\d\d %$/)
  await keepScreenshot(page, testInfo, 'order-entry-market-1440x900')
  await expect(page.getByText('Worst price (5 % through the book)')).toBeVisible()
  const loose = units(await page.getByTestId('order-price').inputValue(), 6)
  await page.getByTestId('order-slippage').selectOption('50')
  await expect(page.getByText('Worst price (0.5 % through the book)')).toBeVisible()
  const tight = units(await page.getByTestId('order-price').inputValue(), 6)
  expect(tight).toBeLessThan(loose)
  await page.reload()
  await page.getByTestId('type-market').click()
  await expect(page.getByTestId('order-slippage')).toHaveValue('50')
  await alice.context.close()
  await bob.context.close()
})
