import { expect, test } from '@playwright/test'
import { connect, openUser, units, useFaucet } from './support/app.ts'

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
