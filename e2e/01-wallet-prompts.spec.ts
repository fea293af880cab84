import { expect, test } from '@playwright/test'
import { connect, openUser, useFaucet } from './support/app.ts'

test('the connect dialog takes focus once, keeps Tab inside, and gives focus back on close', async ({
  browser,
  baseURL,
}) => {
  const user = await openUser(browser, { baseURL: baseURL!, mode: 'manual' })
  const { page, wallet } = user
  const opener = page.getByTestId('connect-wallet')
  await opener.focus()
  await page.keyboard.press('Enter')
  const dialog = page.getByTestId('connect-dialog')
  await expect(dialog).toBeVisible()
  const focusInDialog = () =>
    page.evaluate(() =>
      Boolean(
        document.querySelector('[data-testid="connect-dialog"]')?.contains(document.activeElement),
      ),
    )
  await expect.poll(focusInDialog).toBe(true)

  // Tab and Shift+Tab cycle through the dialog's controls and never leave it.
  for (let step = 0; step < 6; step += 1) {
    await page.keyboard.press('Tab')
    expect(await focusInDialog()).toBe(true)
  }
  for (let step = 0; step < 6; step += 1) {
    await page.keyboard.press('Shift+Tab')
    expect(await focusInDialog()).toBe(true)
  }

  // The user starts connecting, then moves to the Close button while MetaMask asks.
  await page.getByTestId('wallet-io.metamask').click()
  await wallet.waitForPrompt('wallet_requestPermissions')
  const close = dialog.getByRole('button', { name: 'Close' })
  await close.focus()
  // The wallet answers: the page re-renders around the dialog; focus stays where the user put it.
  wallet.rejectNext()
  await expect(dialog).toHaveAttribute('data-state', 'rejected')
  await page.waitForTimeout(300)
  await expect(close).toBeFocused()

  await page.keyboard.press('Escape')
  await expect(dialog).toHaveCount(0)
  await expect(opener).toBeFocused()
  await user.context.close()
})

test('switching account while the wallet asks to sign sends nothing for the old account and says so', async ({
  browser,
  baseURL,
}) => {
  const user = await openUser(browser, { baseURL: baseURL! })
  const { page, wallet } = user
  await connect(user)
  await useFaucet(user)
  const oldAddress = wallet.address
  const submits: string[] = []
  page.on('request', (sent) => {
    if (sent.method() === 'POST' && /\/(transfer|order|cancel|mint)$/.test(sent.url()))
      submits.push(sent.url())
  })

  wallet.setMode('manual')
  await page.getByTestId('transfer-to').fill(wallet.accounts[1]!.address)
  await page.getByTestId('transfer-amount').fill('3')
  await page.getByTestId('transfer-submit').click()
  await wallet.waitForPrompt('personal_sign')
  const pending = page.getByTestId('request').filter({ hasText: 'Send 3 USDT' })
  await expect(pending).toHaveAttribute('data-stage', 'wallet')

  // In MetaMask the user picks the other account, then approves the prompt still open.
  await wallet.switchAccount(1)
  await expect(page.getByTestId('account-button')).toHaveAttribute('data-address', wallet.address)
  await expect(pending).toHaveAttribute('data-stage', 'cancelled')
  await expect(pending.getByTestId('request-status')).toContainText('account changed')
  await wallet.approveNext()
  await page.waitForTimeout(1500)
  expect(submits).toEqual([])
  await expect(pending).toHaveAttribute('data-stage', 'cancelled')
  expect(oldAddress).not.toBe(wallet.address)
  await user.context.close()
})
