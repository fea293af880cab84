import { expect, test } from '@playwright/test'
import { connect, keepScreenshot, openUser } from './support/app.ts'

test.describe('wallet connection', () => {
  test('no wallet installed', async ({ page }) => {
    await page.goto('/')
    await page.getByTestId('connect-wallet').click()
    await expect(page.getByTestId('no-wallet')).toContainText('No wallet detected')
    // No MetaMask SDK connector and no fallback button when nothing is installed.
    await expect(page.locator('.wallet-choice')).toHaveCount(0)
  })

  test('connect rejected, then approved; one MetaMask entry', async ({ browser, baseURL }) => {
    const user = await openUser(browser, { baseURL: baseURL!, mode: 'reject' })
    const { page, wallet } = user
    await page.getByTestId('connect-wallet').click()
    // EIP-6963 discovery shows MetaMask once (no duplicate "Injected" entry).
    await expect(page.locator('.wallet-choice')).toHaveCount(1)
    await expect(page.getByTestId('wallet-io.metamask')).toContainText('MetaMask')
    await page.getByTestId('wallet-io.metamask').click()
    await expect(page.getByTestId('connect-dialog')).toHaveAttribute('data-state', 'rejected')
    await expect(page.getByTestId('connect-status')).toContainText('rejected')

    wallet.setMode('approve')
    await page.getByTestId('wallet-io.metamask').click()
    await expect(page.getByTestId('account-button')).toHaveAttribute('data-address', wallet.address)
    expect(wallet.requests('wallet_requestPermissions')).toHaveLength(2)
    await user.context.close()
  })

  test('a request waiting in the wallet, then reload reconnects without a prompt', async ({
    browser,
    baseURL,
  }) => {
    const user = await openUser(browser, { baseURL: baseURL!, mode: 'manual' })
    const { page, wallet } = user
    await page.getByTestId('connect-wallet').click()
    await page.getByTestId('wallet-io.metamask').click()
    await wallet.waitForPrompt('wallet_requestPermissions')
    await expect(page.getByTestId('connect-dialog')).toHaveAttribute('data-state', 'connecting')
    await expect(page.getByTestId('connect-status')).toContainText(
      'Confirm the connection in MetaMask',
    )
    await expect(page.getByTestId('wallet-io.metamask')).toBeDisabled()
    await wallet.approveNext()
    await expect(page.getByTestId('account-button')).toHaveAttribute('data-address', wallet.address)

    const prompts = wallet.requests('wallet_requestPermissions').length
    await page.reload()
    await expect(page.getByTestId('account-button')).toHaveAttribute('data-address', wallet.address)
    expect(wallet.requests('wallet_requestPermissions')).toHaveLength(prompts)
    expect(wallet.pendingPrompts).toHaveLength(0)
    await user.context.close()
  })

  test('a second connect while one is pending in the wallet says so', async ({
    browser,
    baseURL,
  }) => {
    const user = await openUser(browser, { baseURL: baseURL!, mode: 'manual' })
    const { page, wallet } = user
    await page.getByTestId('connect-wallet').click()
    await page.getByTestId('wallet-io.metamask').click()
    await wallet.waitForPrompt('wallet_requestPermissions')
    // The user reloads while MetaMask still shows the first request, then tries again.
    await page.reload()
    await page.getByTestId('connect-wallet').click()
    await page.getByTestId('wallet-io.metamask').click()
    await expect(page.getByTestId('connect-dialog')).toHaveAttribute('data-state', 'pending')
    await expect(page.getByTestId('connect-status')).toContainText('already open in your wallet')
    wallet.rejectNext()
    await user.context.close()
  })

  test('switching accounts clears per-account state', async ({ browser, baseURL }, testInfo) => {
    const user = await openUser(browser, { baseURL: baseURL!, mode: 'approve' })
    const { page, wallet } = user
    await connect(user)
    await page.getByTestId('transfer-to').fill(wallet.accounts[1]!.address)
    await page.getByTestId('transfer-amount').fill('1')
    await expect(page.getByTestId('balance-USDT')).toHaveAttribute('data-verified', 'true')
    await keepScreenshot(page, testInfo, 'connected-1440x900')

    await wallet.switchAccount(1)
    await expect(page.getByTestId('account-button')).toHaveAttribute('data-address', wallet.address)
    await expect(page.getByTestId('transfer-to')).toHaveValue('')
    await expect(page.getByTestId('transfer-amount')).toHaveValue('')
    await expect(page.getByTestId('balance-USDT')).toHaveAttribute('data-verified', 'true')
    // The request list belongs to the previous account and is gone too.
    await page.getByTestId('tab-requests').click()
    await expect(page.getByTestId('request')).toHaveCount(0)
    await user.context.close()
  })
})
