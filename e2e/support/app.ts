import {
  expect,
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  type Page,
  type TestInfo,
} from '@playwright/test'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { replicaRegistrySchema, type ReplicaRegistry } from '../../shared/api/index.ts'
import { TestWallet, type WalletMode } from '../wallet/testWallet.ts'

/** One person at one browser: a context with (or without) the test wallet and a page. */
export interface User {
  readonly context: BrowserContext
  readonly page: Page
  readonly wallet: TestWallet
  readonly address: `0x${string}`
}

/**
 * Opens the app for a new user with fresh keys (two accounts) in the test wallet. `prepare` runs
 * on the page before it loads (routes, listeners).
 */
export async function openUser(
  browser: Browser,
  options: {
    mode?: WalletMode
    baseURL: string
    prepare?: (page: Page) => Promise<unknown>
    /** The system's theme preference (Playwright's default: light). */
    colorScheme?: 'light' | 'dark'
  },
): Promise<User> {
  const context = await browser.newContext({
    baseURL: options.baseURL,
    viewport: { width: 1440, height: 900 },
    ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
  })
  const wallet = await TestWallet.install(context, {
    privateKeys: [generatePrivateKey(), generatePrivateKey()],
    ...(options.mode ? { mode: options.mode } : {}),
  })
  const page = await context.newPage()
  await options.prepare?.(page)
  await page.goto('/')
  await expect(page.getByTestId('live-indicator')).toBeVisible()
  return { context, page, wallet, address: wallet.address }
}

/** Connects through the wallet dialog and waits for the account button. */
export async function connect(user: User): Promise<void> {
  const { page, wallet } = user
  await page.getByTestId('connect-wallet').click()
  await page.getByTestId('wallet-io.metamask').click()
  await expect(page.getByTestId('account-button')).toHaveAttribute('data-address', wallet.address)
}

/** The verified balance shown for `token`, once the badge says verified by at least `minK`. */
export async function verifiedBalance(
  page: Page,
  token: string,
  minK = 3,
): Promise<{ available: bigint; locked: bigint; k: number }> {
  const row = page.getByTestId(`balance-${token}`)
  await expect(row).toHaveAttribute('data-verified', 'true')
  await expect
    .poll(async () => Number(await row.getAttribute('data-k')))
    .toBeGreaterThanOrEqual(minK)
  return {
    available: BigInt((await row.getAttribute('data-available')) ?? '0'),
    locked: BigInt((await row.getAttribute('data-locked')) ?? '0'),
    k: Number(await row.getAttribute('data-k')),
  }
}

/** Waits until the verified `token` balance satisfies `predicate` (3 of 3 by default). */
export async function waitForBalance(
  page: Page,
  token: string,
  predicate: (balance: { available: bigint; locked: bigint }) => boolean,
  options: { minK?: number; timeout?: number } = {},
): Promise<{ available: bigint; locked: bigint; k: number }> {
  const row = page.getByTestId(`balance-${token}`)
  let last = { available: 0n, locked: 0n, k: 0 }
  await expect
    .poll(
      async () => {
        if ((await row.getAttribute('data-verified')) !== 'true') return false
        last = {
          available: BigInt((await row.getAttribute('data-available')) || '0'),
          locked: BigInt((await row.getAttribute('data-locked')) || '0'),
          k: Number(await row.getAttribute('data-k')),
        }
        return last.k >= (options.minK ?? 3) && predicate(last)
      },
      { timeout: options.timeout ?? 30_000, message: `${token} balance never matched` },
    )
    .toBe(true)
  return last
}

/** Asks the faucet for test tokens and waits until they show as verified. */
export async function useFaucet(user: User): Promise<void> {
  await user.page.getByTestId('faucet').click()
  await expect(user.page.getByTestId('faucet-status')).toHaveText('Minted')
  await waitForBalance(user.page, 'USDT', (balance) => balance.available > 0n)
  await waitForBalance(user.page, 'ETH', (balance) => balance.available > 0n)
}

/**
 * Makes the replicas sign a new root without touching any page's account: a faucet mint for a
 * fresh address. A page proves its portfolio again only at a root it has not proven at (the
 * proofs at one root never change), so a test that changes what replicas serve (a liar) makes a
 * new root for the page to check.
 */
export async function mintElsewhere(request: APIRequestContext): Promise<void> {
  const address = privateKeyToAddress(generatePrivateKey())
  const answer = await request.post('/faucet', { data: { address } })
  expect(answer.status()).toBe(202)
}

/**
 * A trader ready to trade: a new page (at `path`, the default market without one), connected,
 * funded by the faucet.
 */
export async function openFundedUser(browser: Browser, baseURL: string, path?: string) {
  const user = await openUser(browser, { baseURL })
  if (path !== undefined) await user.page.goto(path)
  await connect(user)
  await useFaucet(user)
  return user
}

/** Keeps a screenshot of the main screen among the test's artifacts (test-results/). */
export async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`)
  await page.screenshot({ path })
  await testInfo.attach(name, { path, contentType: 'image/png' })
}

/** The replica registry the app's server hands out. */
export async function fetchRegistry(request: APIRequestContext): Promise<ReplicaRegistry> {
  return replicaRegistrySchema.parse(await (await request.get('/registry.json')).json())
}

/** Base units of a decimal amount (test helper; no floats). */
export function units(text: string, decimals: number): bigint {
  const [whole = '0', fraction = ''] = text.split('.')
  return BigInt(whole + fraction.padEnd(decimals, '0').slice(0, decimals))
}

/** A limit order as the order form takes it. */
export interface LimitOrder {
  side: 'buy' | 'sell'
  price: string
  quantity: string
}

/** Fills the order form with a limit order and submits it. */
export async function submitLimit(page: Page, order: LimitOrder): Promise<void> {
  await page.getByTestId(`side-${order.side}`).click()
  await page.getByTestId('type-limit').click()
  await page.getByTestId('order-price').fill(order.price)
  await page.getByTestId('order-quantity').fill(order.quantity)
  await page.getByTestId('order-submit').click()
}

/** Places a limit order through the form and waits until its level shows in the book. */
export async function placeLimitAndSeeLevel(page: Page, order: LimitOrder): Promise<void> {
  await submitLimit(page, order)
  await expect(
    page.locator(`[data-testid="book-row"][data-price="${units(order.price, 6)}"]`),
  ).toBeVisible({ timeout: 30_000 })
}
