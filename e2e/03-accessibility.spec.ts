import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { connect, openUser, useFaucet } from './support/app.ts'

/*
 * axe-core on the trading screen: no serious or critical violation (WCAG 2.x A and AA rules and
 * axe's best practices), before and after connecting a wallet, in both themes.
 */

/** The serious and critical violations on the page, one readable line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze()
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => {
      const where = violation.nodes
        .slice(0, 4)
        .map((node) => node.target.join(' '))
        .join(' | ')
      return `${violation.id} (${violation.impact}, ${violation.nodes.length}×): ${violation.help} at ${where}`
    })
}

/** Waits until the screen has its data: the book synced and the stream live. */
async function settle(page: Page): Promise<void> {
  await expect(page.getByTestId('orderbook')).toHaveAttribute('data-status', 'synced')
  await expect(page.getByTestId('chart-summary')).not.toHaveText(/Loading/)
}

for (const theme of ['dark', 'light'] as const) {
  test(`the main screen in the ${theme} theme has no serious or critical axe violations, connected or not`, async ({
    browser,
    baseURL,
  }) => {
    test.setTimeout(120_000)
    // A system in that theme from the start, as its users have: following a change of the
    // system's theme is the navigation tests' subject.
    const user = await openUser(browser, { baseURL: baseURL!, colorScheme: theme })
    const { page } = user
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
    await settle(page)
    expect(await seriousViolations(page)).toEqual([])

    await connect(user)
    await useFaucet(user)
    await settle(page)
    expect(await seriousViolations(page)).toEqual([])
    await user.context.close()
  })
}
