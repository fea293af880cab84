import { expect, test, type Page } from '@playwright/test'
import { keepScreenshot, placeLimitAndSeeLevel, openFundedUser } from './support/app.ts'

/*
 * The layout at three sizes, with screenshots kept among the test artifacts
 * (test-results/e2e/…): desktop 1440×900 and 1024×768 keep the chart and the activity tabs in
 * view; a 390×844 phone has one column, no sideways scrolling and a sticky Buy/Sell bar. The
 * book is BTC/USDT's, which the earlier tests leave alone (its levels sit far from theirs).
 */

/** Whether the element lies wholly inside the viewport. */
async function inView(page: Page, testId: string): Promise<boolean> {
  const box = await page.getByTestId(testId).boundingBox()
  const viewport = page.viewportSize()!
  return (
    box !== null &&
    box.y >= 0 &&
    box.x >= 0 &&
    box.y + box.height <= viewport.height + 1 &&
    box.x + box.width <= viewport.width + 1
  )
}

/**
 * The texts the page cuts short (wider than their box: an ellipsis or a clip) among the book,
 * the trade tape, the open orders, the order type and the request steps: numbers and labels a
 * trader must read whole.
 */
async function cutTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const selectors = [
      '[data-testid=orderbook] td',
      '[data-testid=trades] td',
      '[data-testid=open-orders] td',
      '[role=radiogroup][aria-label="Order type"] button',
      'ol.steps li',
    ]
    const cut: string[] = []
    const all = (root: ParentNode, selector: string) =>
      Array.from(root.querySelectorAll(selector)) as HTMLElement[]
    for (const element of all(document, selectors.join(','))) {
      if (element.offsetParent === null) continue // hidden at this size
      for (const box of [element, ...all(element, 'span')]) {
        if (box.scrollWidth > box.clientWidth + 1 && box.clientWidth > 0) {
          cut.push(element.textContent?.trim() ?? '')
          break
        }
      }
    }
    return cut
  })
}

test('desktop and phone layouts: chart and activity in view, a sticky Buy/Sell bar on phones; screenshots kept', async ({
  browser,
  baseURL,
}, testInfo) => {
  test.setTimeout(300_000)
  const setUp = () => openFundedUser(browser, baseURL!, '/?market=BTC-USDT')
  const [maker, taker] = await Promise.all([setUp(), setUp()])
  for (const order of [
    { side: 'buy', price: '59900', quantity: '0.02' },
    { side: 'buy', price: '59950', quantity: '0.01' },
    { side: 'sell', price: '60050', quantity: '0.01' },
    { side: 'sell', price: '60100', quantity: '0.03' },
  ] as const) {
    await placeLimitAndSeeLevel(maker.page, order)
  }
  // A trade, so the chart has a candle and the tape a row.
  await placeLimitAndSeeLevel(taker.page, { side: 'buy', price: '60050', quantity: '0.004' })
  await expect(maker.page.getByTestId('trade-row').first()).toBeVisible({ timeout: 30_000 })
  await taker.context.close()

  const { page } = maker
  await page.getByTestId('tab-open').click()
  for (const [width, height] of [
    [1440, 900],
    [1024, 768],
  ] as const) {
    await page.setViewportSize({ width, height })
    await expect(page.getByTestId('chart-summary')).toContainText('Last 1m candle')
    expect(await inView(page, 'chart'), `chart in view at ${width}×${height}`).toBe(true)
    expect(await inView(page, 'activity'), `activity in view at ${width}×${height}`).toBe(true)
    expect(await inView(page, 'orderbook'), `book in view at ${width}×${height}`).toBe(true)
    await expect(page.getByTestId('trade-bar')).toHaveCount(0)
    await keepScreenshot(page, testInfo, `screen-${width}x${height}`)
    expect(await cutTexts(page), `texts cut short at ${width}×${height}`).toEqual([])
    // Every activity tab in view at once, with "Cancel all" showing beside or below them.
    await expect(page.getByTestId('cancel-all')).toBeVisible()
    const tabsHidden = await page
      .getByRole('tablist', { name: 'Activity' })
      .evaluate((tabs) => tabs.scrollWidth - tabs.clientWidth)
    expect(tabsHidden, `activity tabs scroll sideways at ${width}×${height}`).toBeLessThanOrEqual(1)
  }

  await page.setViewportSize({ width: 390, height: 844 })
  const bar = page.getByTestId('trade-bar')
  await expect(bar).toBeVisible()
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  await keepScreenshot(page, testInfo, 'screen-390x844')
  // The bar stays at the bottom of the screen while the page scrolls.
  await page.mouse.wheel(0, 1200)
  expect(await inView(page, 'trade-bar')).toBe(true)
  await bar.getByRole('button', { name: 'Sell BTC' }).click()
  await expect(page.getByTestId('side-sell')).toHaveAttribute('aria-checked', 'true')
  await expect(page.getByTestId('order-quantity')).toBeFocused()
  expect(await inView(page, 'order-quantity')).toBe(true)
  await keepScreenshot(page, testInfo, 'screen-390x844-sell')
  await maker.context.close()
})
