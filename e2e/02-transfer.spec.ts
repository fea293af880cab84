import { expect, test } from '@playwright/test'
import {
  connect,
  keepScreenshot,
  openUser,
  units,
  useFaucet,
  verifiedBalance,
  waitForBalance,
} from './support/app.ts'

test('a transfer between two accounts: exact signed text, both balances verified 3 of 3, replay rejected', async ({
  browser,
  baseURL,
  request,
}, testInfo) => {
  const alice = await openUser(browser, { baseURL: baseURL! })
  const bob = await openUser(browser, { baseURL: baseURL! })
  await connect(alice)
  await connect(bob)
  await useFaucet(alice)
  await keepScreenshot(alice.page, testInfo, 'funded-1440x900')
  const aliceBefore = await verifiedBalance(alice.page, 'USDT')
  const bobBefore = await verifiedBalance(bob.page, 'USDT')
  expect(bobBefore.available).toBe(0n)

  // The form shows the exact text before the wallet is asked.
  const { page } = alice
  await page.getByTestId('transfer-to').fill(bob.address)
  await page.getByTestId('transfer-amount').fill('12.5')
  await page.getByTestId('transfer-token').selectOption('USDT')
  const preview = page.getByTestId('transfer-preview')
  await expect(preview).toContainText('Action: Transfer')
  const shownText = (await preview.textContent())!
  expect(shownText).toContain('Zellular Orderbook intent v1')
  expect(shownText).toContain('Amount: 12.5 USDT')
  expect(shownText).toContain(`To: ${bob.address}`)
  expect(shownText).toContain(`From: ${alice.address}`)
  expect(alice.wallet.requests('personal_sign')).toHaveLength(0)

  const submitted = page.waitForRequest(
    (req) => req.url().endsWith('/transfer') && req.method() === 'POST',
  )
  await page.getByTestId('transfer-submit').click()
  const wire = (await submitted).postDataJSON() as Record<string, string>
  // The wallet was asked to sign exactly the text that was shown.
  expect(alice.wallet.signRequests()).toEqual([shownText])
  expect(wire).toMatchObject({ action: 'transfer', to: bob.address, token: 'USDT', amount: '12.5' })

  const transfer = page.getByTestId('request').filter({ hasText: 'Send 12.5 USDT' }).first()
  await expect(transfer).toHaveAttribute('data-stage', 'applied', { timeout: 30_000 })

  const amount = units('12.5', 6)
  const aliceAfter = await waitForBalance(
    page,
    'USDT',
    (b) => b.available === aliceBefore.available - amount,
  )
  const bobAfter = await waitForBalance(bob.page, 'USDT', (b) => b.available === amount)
  expect(aliceAfter.k).toBe(3)
  expect(bobAfter.k).toBe(3)
  await expect(bob.page.getByTestId('badge-USDT')).toHaveText('✓ verified by 3 of 3 replicas')
  await keepScreenshot(bob.page, testInfo, 'received-1440x900')

  // The same signed transfer, submitted again to every replica, is refused as a replay.
  const registry = (await (await request.get('/registry.json')).json()) as {
    replicas: { url: string }[]
  }
  for (const replica of registry.replicas) {
    const again = await request.post(`${replica.url}/transfer`, { data: wire })
    expect(again.status()).toBe(409)
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('replay')
  }
  await page.waitForTimeout(1500)
  const bobFinal = await verifiedBalance(bob.page, 'USDT')
  expect(bobFinal.available).toBe(amount)

  await alice.context.close()
  await bob.context.close()
})
