import { expect, test } from '@playwright/test'
import { connect, openUser, placeLimitAndSeeLevel, units, useFaucet } from './support/app.ts'

test('the theme follows the system until toggled, and the choice outlives a reload', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ baseURL: baseURL!, colorScheme: 'light' })
  const page = await context.newPage()
  await page.goto('/')
  const html = page.locator('html')
  const toggle = page.getByTestId('theme-toggle')
  await expect(toggle).toBeVisible()
  await expect(html).toHaveAttribute('data-theme', 'light')
  await expect(toggle).toHaveAttribute('aria-pressed', 'false')
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  const light = await background()

  await toggle.click()
  await expect(html).toHaveAttribute('data-theme', 'dark')
  await expect(toggle).toHaveAttribute('aria-pressed', 'true')
  expect(await background()).not.toBe(light)
  await page.reload()
  await expect(html).toHaveAttribute('data-theme', 'dark')

  // Without a choice, a dark system gives the dark theme.
  const fresh = await browser.newContext({ baseURL: baseURL!, colorScheme: 'dark' })
  const other = await fresh.newPage()
  await other.goto('/')
  await expect(other.getByTestId('theme-toggle')).toBeVisible()
  await expect(other.locator('html')).toHaveAttribute('data-theme', 'dark')
  await Promise.all([context.close(), fresh.close()])
})

test('a system theme change while the app loads is still followed', async ({
  browser,
  baseURL,
}) => {
  // The inline script paints the light theme; the system turns dark before the app's code runs
  // (held here), so no change event reaches it: the app must apply the theme it reads itself.
  const context = await browser.newContext({ baseURL: baseURL!, colorScheme: 'light' })
  const page = await context.newPage()
  let releaseScripts = (): void => {}
  const scriptsHeld = new Promise<void>((resolve) => (releaseScripts = resolve))
  await page.route('**/assets/*.js', async (route) => {
    await scriptsHeld
    await route.continue()
  })
  await page.goto('/', { waitUntil: 'commit' })
  const html = page.locator('html')
  await expect(html).toHaveAttribute('data-theme', 'light')
  await page.emulateMedia({ colorScheme: 'dark' })
  releaseScripts()
  await expect(page.getByTestId('theme-toggle')).toBeVisible()
  await expect(html).toHaveAttribute('data-theme', 'dark')
  await expect(page.getByTestId('theme-toggle')).toHaveAttribute('aria-pressed', 'true')
  await context.close()
})

test('each market has its own address: ?market= opens it, a switch updates it, Back returns', async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ baseURL: baseURL! })
  const page = await context.newPage()
  await page.goto('/?market=BTC-USDT')
  const market = page.getByLabel('Market')
  await expect(market).toHaveValue('BTC/USDT')
  await expect(page.getByTestId('order-form')).toContainText('Trade BTC/USDT')
  await expect(page).toHaveTitle(/BTC\/USDT/)

  await market.selectOption('ETH/USDT')
  await expect(page).toHaveURL(/\?market=ETH-USDT$/)
  await expect(page.getByTestId('order-form')).toContainText('Trade ETH/USDT')
  await page.goBack()
  await expect(market).toHaveValue('BTC/USDT')
  await expect(page.getByTestId('order-form')).toContainText('Trade BTC/USDT')
  await page.reload()
  await expect(market).toHaveValue('BTC/USDT')
  await context.close()
})

test('the book is one Tab stop; arrows move between levels and Enter takes a price', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000)
  const user = await openUser(browser, { baseURL: baseURL! })
  const { page } = user
  await page.goto('/?market=BTC-USDT')
  await connect(user)
  await useFaucet(user)
  // Far from any other test's prices, in the market no other test trades.
  await placeLimitAndSeeLevel(page, { side: 'sell', price: '95000', quantity: '0.001' })
  await placeLimitAndSeeLevel(page, { side: 'buy', price: '101', quantity: '0.01' })
  await placeLimitAndSeeLevel(page, { side: 'buy', price: '100', quantity: '0.01' })

  const rows = page.getByTestId('book-row')
  await expect(rows.and(page.locator('[tabindex="0"]'))).toHaveCount(1)
  // Tab reaches the book at the level nearest the spread on the ask side: the best ask.
  await page.getByTestId('book-grouping').focus()
  await page.keyboard.press('Tab')
  const focused = page.locator('[data-testid="book-row"]:focus')
  await expect(focused).toHaveAttribute('data-price', units('95000', 6).toString())
  await page.keyboard.press('ArrowDown')
  await expect(focused).toHaveAttribute('data-price', units('101', 6).toString())
  await page.keyboard.press('End')
  await expect(focused).toHaveAttribute('data-price', units('100', 6).toString())
  await page.keyboard.press('ArrowUp')
  await expect(focused).toHaveAttribute('data-price', units('101', 6).toString())
  // The focus ring is visible (an inset ring in the focus colour).
  expect(await focused.evaluate((row) => getComputedStyle(row).boxShadow)).toContain('inset')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('order-price')).toHaveValue('101')
  // Tab leaves the book at once: one stop, not one per level.
  await page.getByTestId('book-grouping').focus()
  await page.keyboard.press('Tab')
  await page.keyboard.press('Tab')
  await expect(page.locator('[data-testid="book-row"]:focus')).toHaveCount(0)
  await user.context.close()
})
