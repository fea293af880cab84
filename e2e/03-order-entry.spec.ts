import { expect, test } from '@playwright/test'
import { connect, openUser } from './support/app.ts'

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
