import { expect, test, type Page, type Request } from '@playwright/test'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import {
  connect,
  fetchRegistry,
  openUser,
  submitLimit,
  units,
  useFaucet,
  type User,
  openFundedUser,
} from './support/app.ts'
import type { ReplicaRegistry } from '../shared/api/index.ts'
import { ReplicaLink, routeReplicaThrough } from './support/replicaLink.ts'

/*
 * Live data that never lies: what the user sees when the stream, a replica or a read goes wrong.
 * Faults are made at the network boundary of the page (a link that goes silent, a replica that
 * lies or answers late, reads that fail); the replicas themselves are the real ones.
 */

/** Sends `amount` USDT from the user's account to its second account, through the form. */
async function sendToSecondAccount(user: User, amount: string): Promise<void> {
  const { page, wallet } = user
  await page.getByTestId('transfer-to').fill(wallet.accounts[1]!.address)
  await page.getByTestId('transfer-amount').fill(amount)
  await page.getByTestId('transfer-token').selectOption('USDT')
  await expect(page.getByTestId('transfer-submit')).toBeEnabled()
  await page.getByTestId('transfer-submit').click()
}

function transferRequest(page: Page, amount: string) {
  return page
    .getByTestId('request')
    .filter({ hasText: `Send ${amount} USDT` })
    .first()
}

test('a stream that goes silent while its replica keeps applying fails over to another replica', async ({
  browser,
  baseURL,
  request,
}) => {
  const registry = await fetchRegistry(request)
  const first = registry.replicas[0]!
  const link = await ReplicaLink.open(first.url)
  const user = await openUser(browser, {
    baseURL: baseURL!,
    prepare: (page) => routeReplicaThrough(page, first.id, link),
  })
  const indicator = user.page.getByTestId('live-indicator')
  await expect(indicator).toHaveAttribute('data-state', 'live')
  await expect(indicator).toContainText(first.id)

  // The connection goes half-open: no error, no bytes. The replica itself keeps applying.
  link.freezeEvents()
  for (let mint = 0; mint < 3; mint += 1) {
    const address = privateKeyToAddress(generatePrivateKey())
    const answer = await request.post('/faucet', { data: { address } })
    expect(answer.status()).toBe(202)
    await user.page.waitForTimeout(700)
  }
  await expect(indicator).not.toContainText(first.id, { timeout: 25_000 })
  await expect(indicator).toHaveAttribute('data-state', 'live')
  await user.context.close()
  await link.close()
})

test('one lying replica cannot reject a request: the outcome takes a quorum', async ({
  browser,
  baseURL,
  request,
}) => {
  const registry = await fetchRegistry(request)
  const liar = registry.replicas[0]!
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  // Every `GET /tx/:id` answer of one replica says "rejected".
  await user.page.route(
    (url) => url.href.startsWith(`${liar.url}/tx/`),
    (route) =>
      route.fulfill({
        json: {
          intentId: new URL(route.request().url()).pathname.split('/').at(-1),
          status: 'rejected',
          reason: 'insufficient_available',
          action: 'transfer',
          signer: user.address,
          batchIndex: 1,
        },
      }),
  )
  await sendToSecondAccount(user, '1.25')
  const sent = transferRequest(user.page, '1.25')
  await expect(sent).toHaveAttribute('data-stage', 'applied', { timeout: 30_000 })
  await expect(sent.getByTestId('request-status')).toContainText('by 2 replicas')
  await user.context.close()
})

test('"applied by N replicas" keeps counting as late replicas apply, one poll at a time', async ({
  browser,
  baseURL,
  request,
}) => {
  const registry = await fetchRegistry(request)
  const late = registry.replicas[2]!
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  const isTx = (url: string) => url.startsWith(`${late.url}/tx/`)
  // The late replica answers `GET /tx` after the app's 2.5 s timeout, until it catches up.
  let lagging = true
  await user.page.route(
    (url) => isTx(url.href),
    async (route) => {
      if (lagging) await new Promise((resolve) => setTimeout(resolve, 3500))
      await route.continue().catch(() => undefined)
    },
  )
  let inFlight = 0
  let mostInFlight = 0
  user.page.on('request', (sent: Request) => {
    if (!isTx(sent.url())) return
    inFlight += 1
    mostInFlight = Math.max(mostInFlight, inFlight)
  })
  const done = (ended: Request) => {
    if (isTx(ended.url())) inFlight -= 1
  }
  user.page.on('requestfinished', done)
  user.page.on('requestfailed', done)

  await sendToSecondAccount(user, '2.5')
  const sent = transferRequest(user.page, '2.5')
  await expect(sent).toHaveAttribute('data-stage', 'applied', { timeout: 30_000 })
  await expect(sent.getByTestId('request-status')).toContainText('by 2 replicas')
  lagging = false
  await expect(sent.getByTestId('request-status')).toContainText('by 3 replicas', {
    timeout: 15_000,
  })
  // Polls of a request wait for each other: never two `GET /tx` in flight to one replica.
  expect(mostInFlight).toBe(1)
  await user.context.close()
})

test('failed reads show as errors with a retry, never as an empty book or "no orders"', async ({
  browser,
  baseURL,
  request,
}) => {
  const registry = await fetchRegistry(request)
  const origins = new Set(registry.replicas.map((replica) => new URL(replica.url).origin))
  let failing = true
  const failed = new Set<string>()
  const user = await openUser(browser, {
    baseURL: baseURL!,
    prepare: async (page) => {
      await page.route(
        (url) => origins.has(url.origin) && /^\/(orderbook|trades|orders)$/.test(url.pathname),
        async (route) => {
          if (!failing) return route.continue()
          failed.add(new URL(route.request().url()).pathname)
          await route.fulfill({
            status: 503,
            json: { error: { code: 'unavailable', message: 'replica unavailable' } },
          })
        },
      )
      // Neither BLS verifier (lazily loaded chunks: herumi, and the JavaScript one used where
      // WebAssembly will not run) loads: balances cannot be checked.
      await page.route(/\/assets\/(herumi|nobleBlsVerifier)-[^/]*\.js$/, (route) => route.abort())
    },
  })
  await connect(user)
  const { page } = user
  const book = page.getByTestId('orderbook')
  await expect(book).toHaveAttribute('data-status', 'error')
  await expect(page.getByTestId('book-error')).toContainText('Could not load the book')
  await expect(book).not.toContainText('Empty book')
  await expect(page.getByTestId('trades-error')).toContainText('Could not load trades')
  await expect(page.getByTestId('trades')).not.toContainText('No trades yet')
  await expect(page.getByTestId('orders-error')).toContainText('Could not load your orders')
  await expect(page.getByTestId('activity')).not.toContainText('No open orders')
  expect([...failed].sort()).toEqual(['/orderbook', '/orders', '/trades'])
  await expect(page.getByTestId('balances-error')).toContainText('Could not check balances')
  await expect(page.getByTestId('balances')).not.toContainText('Verifying')

  // The replicas answer again. Trades are fetched again only on demand: Retry brings them. The
  // book retries by itself (backing off) and the orders are polled: both recover unaided.
  failing = false
  await page.getByTestId('trades-error').getByRole('button', { name: 'Retry' }).click()
  await expect(page.getByTestId('trades-error')).toHaveCount(0)
  await expect(book).toHaveAttribute('data-status', 'synced', { timeout: 40_000 })
  await expect(page.getByTestId('orders-error')).toHaveCount(0)
  await expect(page.getByTestId('activity')).toContainText('No open orders')
  await user.context.close()
})

/** A registry replica, as the tests name and reach it. */
type ReplicaRef = ReplicaRegistry['replicas'][number]

/**
 * Has `liar` alter every answer of `path` it gives `page` (`alter` changes the JSON in place,
 * told the request's URL, and says whether it lied); returns how many lies it told so far.
 */
function lieTo<Json>(
  page: Page,
  liar: ReplicaRef,
  path: string,
  alter: (json: Json, url: URL) => boolean,
) {
  let lies = 0
  const routed = page.route(
    (url) => url.href.startsWith(`${liar.url}${path}`),
    async (route) => {
      const response = await route.fetch()
      const json = (await response.json()) as Json
      if (alter(json, new URL(route.request().url()))) lies += 1
      await route.fulfill({ response, json })
    },
  )
  return { routed, lies: () => lies }
}

/** The screen names `liar` for a false `kind`, contradicted by every other replica, and left it. */
async function expectNamedAndLeft(
  page: Page,
  kind: 'book' | 'trade',
  registry: { replicas: readonly ReplicaRef[] },
  liar: ReplicaRef,
): Promise<void> {
  const named = page.getByTestId(`false-${kind}`)
  // Within a few rounds of asking the other replicas (every 3 s).
  await expect(named).toHaveAttribute('data-replica', liar.id, { timeout: 20_000 })
  const others = registry.replicas.filter((replica) => replica.id !== liar.id)
  await expect(named).toContainText(others.map((replica) => replica.id).join(' and '))
  await expect(page.getByTestId('live-indicator')).not.toContainText(liar.id)
}

test('a replica streaming a book the other replicas contradict is named and left', async ({
  browser,
  baseURL,
  request,
}) => {
  const registry = await fetchRegistry(request)
  const liar = registry.replicas[0]!
  // The liar adds a bid of 1,000 base tokens at a price of 1 base unit to every book it serves
  // the page; its stream's deltas are true, so the made-up level stays on a book made from it.
  const madeUp = { price: '1', quantity: '1000000000000000000000', orders: 1 }
  let lying: ReturnType<typeof lieTo> | undefined
  const prepare = (page: Page) => {
    lying = lieTo(page, liar, '/orderbook', (book: { bids: (typeof madeUp)[] }) => {
      book.bids.push(madeUp)
      return true
    })
    return lying.routed
  }
  const user = await openUser(browser, { baseURL: baseURL!, prepare })
  const madeUpRow = user.page.locator(`[data-testid="book-row"][data-price="${madeUp.price}"]`)

  // Both other replicas serve another book at the same update: the liar is named and left.
  await expectNamedAndLeft(user.page, 'book', registry, liar)
  expect(lying!.lies()).toBeGreaterThan(0)
  await expect(madeUpRow).toHaveCount(0)
  await user.context.close()
})

test('a replica serving a trade the other replicas contradict is named and left', async ({
  browser,
  baseURL,
  request,
}) => {
  // Two traders make a trade; the machine is shared, so this test may take longer.
  test.setTimeout(200_000)
  const registry = await fetchRegistry(request)
  const liar = registry.replicas[0]!
  const setUp = () => openFundedUser(browser, baseURL!)
  const [alice, bob] = await Promise.all([setUp(), setUp()])
  const order = { price: '1234.5', quantity: '0.2' }
  await submitLimit(alice.page, { side: 'sell', ...order })
  await expect(
    alice.page.locator(`[data-testid="open-order"][data-price="${units(order.price, 6)}"]`),
  ).toBeVisible({ timeout: 30_000 })
  await submitLimit(bob.page, { side: 'buy', ...order })
  const traded = bob.page.locator(
    `[data-testid="trade-row"][data-price="${units(order.price, 6)}"]`,
  )
  await expect(traded.first()).toBeVisible({ timeout: 30_000 })
  await Promise.all([alice.context.close(), bob.context.close()])

  // The liar doubles the size of the newest trade in every page of trades it serves the page.
  let lying: ReturnType<typeof lieTo> | undefined
  const user = await openUser(browser, {
    baseURL: baseURL!,
    prepare: (page: Page) => {
      lying = lieTo(page, liar, '/trades', (page: { trades: { quantity: string }[] }) => {
        const newest = page.trades[0]
        if (newest !== undefined) newest.quantity = (BigInt(newest.quantity) * 2n).toString()
        return newest !== undefined
      })
      return lying.routed
    },
  })
  await expectNamedAndLeft(user.page, 'trade', registry, liar)
  expect(lying!.lies()).toBeGreaterThan(0)
  await user.context.close()

  // In a new page the same replica alters only the chart's history (pages of 500 trades): the
  // oldest trade in it, which the candles and the header's 24 h figures are made from.
  let lyingHistory: ReturnType<typeof lieTo> | undefined
  const chartUser = await openUser(browser, {
    baseURL: baseURL!,
    prepare: (page: Page) => {
      lyingHistory = lieTo(page, liar, '/trades', (page: { trades: { price: string }[] }, url) => {
        const oldest = page.trades.at(-1)
        if (url.searchParams.get('limit') !== '500' || oldest === undefined) return false
        oldest.price = (BigInt(oldest.price) + 1n).toString()
        return true
      })
      return lyingHistory.routed
    },
  })
  await expectNamedAndLeft(chartUser.page, 'trade', registry, liar)
  expect(lyingHistory!.lies()).toBeGreaterThan(0)
  await chartUser.context.close()
})
