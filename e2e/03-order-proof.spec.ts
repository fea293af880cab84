import { expect, test } from '@playwright/test'
import {
  buildIntentText,
  createTokenRegistry,
  parseUnsignedIntent,
  toWireIntent,
  type IntentSignature,
} from '../shared/intents/index.ts'
import {
  connect,
  fetchRegistry,
  mintElsewhere,
  openUser,
  submitLimit,
  useFaucet,
} from './support/app.ts'

/*
 * Open orders are proven against the same root a quorum of replicas signed as the balances: one
 * replica's page of open orders carries every order's proof, checked in the browser. A replica that serves an order its proof
 * does not tie to that root is named, and the order is proven from another replica's proof. The
 * lie is made at the page's network boundary; the replicas themselves are the real ones.
 */
test('every open order verifies 3 of 3 against the quorum root, and a replica serving a false order is named', async ({
  browser,
  baseURL,
  request,
}) => {
  const registry = await fetchRegistry(request)
  const signers = registry.replicas.map((replica) => replica.id).join(', ')
  const liar = registry.replicas[0]!
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  const { page } = user
  // Every request for proofs the page makes: one answer per kind of value, never one per order.
  const proofRequests: string[] = []
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.searchParams.has('proof') || url.pathname.endsWith('_proof')) {
      proofRequests.push(url.pathname)
    }
  })
  // Two resting buys far below any ask, so they stay open.
  for (const price of ['101', '102']) {
    await submitLimit(page, { side: 'buy', price, quantity: '0.01' })
    await expect(
      page.locator(`[data-testid="open-order"][data-price="${price}000000"]`),
    ).toHaveCount(1, {
      timeout: 30_000,
    })
  }
  const rows = page.getByTestId('open-order')
  await expect(rows).toHaveCount(2)
  for (const row of await rows.all()) {
    await expect(row).toHaveAttribute('data-proof', 'verified', { timeout: 30_000 })
    await expect(row.getByTestId('order-proof')).toHaveText('✓ 3 of 3')
  }
  const summary = page.getByTestId('open-orders-proof')
  await expect(summary).toHaveAttribute('data-verified', '2')
  await expect(summary).toContainText('2 of 2 open orders verified by 3 of 3 replicas')
  await expect(summary).toContainText(`signed by ${signers}`)
  // Each check asks for one page of open orders beside one answer of balances.
  expect(proofRequests.filter((path) => path === '/orders').length).toBeGreaterThan(0)
  expect(proofRequests.filter((path) => !['/orders', '/balances'].includes(path))).toEqual([])

  // The details of one order: its root (batch, signers) and every replica's root and proof.
  const first = rows.first()
  const orderId = (await first.getAttribute('data-order-id'))!
  await first.getByTestId('order-proof').click()
  await expect(page.getByTestId(`root-order-${orderId}`)).toContainText(`signed by ${signers}`)
  await expect(page.getByTestId(`root-order-${orderId}`)).toContainText('· proof from')
  // Its fields as the root holds them: market side priceTicks owner type lots originalLots …
  await expect(page.getByTestId(`leaf-order-${orderId}`)).toContainText(
    new RegExp(`ETH/USDT buy 10[12]00 ${user.address.toLowerCase()} limit 10 10 `),
  )
  await expect(page.getByTestId(`proof-bytes-order-${orderId}`)).toContainText(/proof \d+ bytes 0x/)
  for (const replica of registry.replicas) {
    await expect(page.getByTestId(`proof-order-${orderId}-${replica.id}`)).toHaveAttribute(
      'data-status',
      'signed',
    )
  }

  // From now on the liar raises every order's remaining lots (field 6 of the leaf) tenfold.
  let lies = 0
  await page.route(
    (url) => url.href.startsWith(`${liar.url}/orders`) && url.searchParams.has('proof'),
    async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as { proofs: { orders: { value: string | null }[] } }
      for (const order of body.proofs.orders) {
        if (order.value === null) continue
        const fields = order.value.split(' ')
        fields[5] = String(Number(fields[5]) * 10)
        order.value = fields.join(' ')
        lies += 1
      }
      await route.fulfill({ response, json: body })
    },
  )
  // The page proves again at the next root.
  await mintElsewhere(request)
  const named = page.getByTestId('false-orders')
  await expect(named).toContainText(liar.id, { timeout: 30_000 })
  await expect(named).toContainText('served an order that does not match the quorum root')
  expect(lies).toBeGreaterThan(0)
  // Every order is still proven, 3 of 3, from another replica's proof; the liar's is refused.
  for (const row of await rows.all()) {
    await expect(row).toHaveAttribute('data-proof', 'verified')
    await expect(row.getByTestId('order-proof')).toHaveAttribute(
      'title',
      new RegExp(`${liar.id}: served a false order`),
    )
  }
  await expect(page.getByTestId(`proof-order-${orderId}-${liar.id}`)).toHaveAttribute(
    'data-proof',
    'false_value',
  )
  await expect(page.getByTestId(`root-order-${orderId}`)).not.toContainText(`proof from ${liar.id}`)
  await user.context.close()
})

test('a replica listing an open order at another price than the quorum root proves is named', async ({
  browser,
  baseURL,
}) => {
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  const { page } = user
  await submitLimit(page, { side: 'buy', price: '103', quantity: '0.01' })
  const row = page.getByTestId('open-order')
  await expect(row).toHaveAttribute('data-proof', 'verified', { timeout: 30_000 })

  // From now on every replica lists the order one dollar higher; its proofs stay true.
  await page.route(
    (url) => url.pathname === '/orders',
    async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as { orders: { price: string }[] }
      for (const order of body.orders) order.price = (BigInt(order.price) + 1_000_000n).toString()
      await route.fulfill({ response, json: body })
    },
  )
  // The orders are listed again every 10 s.
  await expect(row).toHaveAttribute('data-price', '104000000', { timeout: 30_000 })
  await expect(row).toHaveAttribute('data-proof', 'differs')
  await expect(row.getByTestId('order-proof')).toHaveText('⚠ differs from root')
  await expect(page.getByTestId('false-listing')).toContainText(
    'lists an order the quorum root does not prove',
  )
  await expect(page.getByTestId('open-orders-proof')).toHaveAttribute('data-verified', '0')
  await user.context.close()
})

test('more than a page of open orders: every one is listed and verified against the quorum root', async ({
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(120_000)
  const registry = await fetchRegistry(request)
  const tokens = createTokenRegistry(registry.tokens)
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  // 105 resting buys, signed with the connected account outside the page (the form would take
  // minutes) and sent to one replica: the replica serves pages of at most 100 orders.
  const count = 105
  const account = user.wallet.accounts[0]!
  const replica = registry.replicas[0]!
  const firstNonce = BigInt(Date.now())
  for (let i = 0; i < count; i++) {
    const parsed = parseUnsignedIntent(
      {
        action: 'order',
        nonce: String(firstNonce + BigInt(i)),
        market: 'ETH/USDT',
        side: 'buy',
        type: 'limit',
        price: '100',
        quantity: '0.01',
        timeInForce: 'GTC',
        app: registry.app,
        network: registry.network,
        signer: user.address.toLowerCase(),
        version: 1,
      },
      tokens,
    )
    if (!parsed.ok) throw new Error(`order rejected: ${parsed.reason}`)
    const signature = (await account.signMessage({
      message: buildIntentText(parsed.value),
    })) as IntentSignature
    const body = toWireIntent({ intent: parsed.value, signature })
    // Past the replica's burst of submissions per address, a 429 asks to slow down.
    await expect
      .poll(async () => (await request.post(`${replica.url}/order`, { data: body })).status(), {
        intervals: [200],
      })
      .toBe(202)
  }
  const { page } = user
  await expect(page.getByTestId('open-order')).toHaveCount(count, { timeout: 60_000 })
  const summary = page.getByTestId('open-orders-proof')
  await expect(summary).toHaveAttribute('data-verified', String(count), { timeout: 60_000 })
  await expect(summary).toContainText(`${count} of ${count} open orders verified by 3 of 3`)
  await user.context.close()
})
