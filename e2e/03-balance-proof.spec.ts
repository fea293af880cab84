import { expect, test } from '@playwright/test'
import {
  connect,
  fetchRegistry,
  mintElsewhere,
  openFundedUser,
  openUser,
  useFaucet,
  verifiedBalance,
} from './support/app.ts'

/*
 * Balances are proven against one root a quorum of replicas signed: one replica's answer holds
 * every balance with its proof, checked in the browser. A replica that serves a balance its proof does not tie to
 * that root is named, and the balance is proven from another replica's proof instead. The lie is
 * made at the page's network boundary; the replicas themselves are the real ones.
 */
test('a replica serving a false balance is named, and the balance still verifies 3 of 3 from another replica against the quorum root', async ({
  browser,
  baseURL,
  request,
}) => {
  const registry = await fetchRegistry(request)
  const liar = registry.replicas[0]!
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  const truth = await verifiedBalance(user.page, 'USDT')

  // From now on the liar claims ten times the USDT balance, beside its true proof.
  let lies = 0
  await user.page.route(
    (url) => url.href.startsWith(`${liar.url}/balances`) && url.searchParams.has('proof'),
    async (route) => {
      const response = await route.fetch()
      const body = (await response.json()) as { balances: { token: string; available: string }[] }
      for (const balance of body.balances) {
        if (balance.token !== 'USDT') continue
        balance.available = (BigInt(balance.available) * 10n + 1n).toString()
        lies += 1
      }
      await route.fulfill({ response, json: body })
    },
  )
  // The page proves again at the next root.
  await mintElsewhere(request)
  const named = user.page.getByTestId('false-value-USDT')
  await expect(named).toContainText(liar.id, { timeout: 30_000 })
  expect(lies).toBeGreaterThan(0)
  await expect(named).toContainText('does not match the quorum root')

  // The balance is the true one, proven against the root all three replicas signed.
  const row = user.page.getByTestId('balance-USDT')
  await expect(row).toHaveAttribute('data-verified', 'true')
  await expect(row).toHaveAttribute('data-available', truth.available.toString())
  const badge = user.page.getByTestId('badge-USDT')
  await expect(badge).toHaveText('✓ verified by 3 of 3 replicas')
  await expect(badge).toHaveAttribute('title', new RegExp(`${liar.id}: served a false balance`))
  await badge.click()
  const liarLine = user.page.getByTestId(`proof-USDT-${liar.id}`)
  // Its root is in the aggregate (it signed the true root); its balance proof is refused.
  await expect(liarLine).toHaveAttribute('data-status', 'signed')
  await expect(liarLine).toHaveAttribute('data-proof', 'false_value')
  await expect(user.page.getByTestId('root-USDT')).toContainText(
    `signed by ${registry.replicas.map((replica) => replica.id).join(', ')}`,
  )
  await expect(user.page.getByTestId('root-USDT')).not.toContainText(`proof from ${liar.id}`)
  // The other tokens, which the liar does not lie about, name nobody.
  await expect(user.page.getByTestId('false-value-ETH')).toHaveCount(0)
  await user.context.close()
})

/*
 * The proofs at one root never change, so while a quorum's root stands still the page's checks
 * (a poll every few seconds) read the replicas' statuses and nothing more: no root attestations,
 * no proofs, no BLS check.
 */
test('while the quorum root stands still, the portfolio checks read only the statuses', async ({
  browser,
  baseURL,
}) => {
  const user = await openFundedUser(browser, baseURL!)
  await verifiedBalance(user.page, 'USDT')
  const reads: string[] = []
  user.page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.pathname === '/root' || url.searchParams.has('proof')) reads.push(url.pathname)
  })
  // The faucet's last root may still be signed and checked: then a later window of 9 s, which
  // holds at least two polls, is quiet.
  let quietWindow = false
  for (let window = 0; window < 4 && !quietWindow; window += 1) {
    reads.length = 0
    await user.page.waitForTimeout(9_000)
    quietWindow = reads.length === 0
  }
  expect(quietWindow, `roots and proofs read in every window: ${reads.join(', ')}`).toBe(true)
  await expect(user.page.getByTestId('badge-USDT')).toHaveText('✓ verified by 3 of 3 replicas')
  await user.context.close()
})

test('a verified balance explains itself: what k of n means, when it was checked, and a copy of its proof another verifier can check', async ({
  browser,
  baseURL,
  request,
}) => {
  const registry = await fetchRegistry(request)
  const user = await openFundedUser(browser, baseURL!)
  const { page } = user
  await user.context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await verifiedBalance(page, 'USDT', 3)
  await page.getByTestId('badge-USDT').click()
  // 3 of 3 when checked, or 2 of 3 if a later check met a replica that had not signed yet.
  await expect(page.getByTestId('meaning-USDT')).toContainText(
    /[23] of the 3 replicas signed the same state root of batch #\d+/,
  )
  await expect(page.getByTestId('meaning-USDT')).toContainText(
    `${registry.quorum} signatures are needed`,
  )
  await expect(page.getByTestId('checked-USDT')).toContainText(/checked at \d/)
  await page.getByTestId('copy-proof-USDT').click()
  await expect(page.getByTestId('balance-USDT')).toContainText('copied')
  const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as {
    verified: boolean
    index: number
    root: { stateHash: string; index: number }
    signers: string[]
    attestations: { attestation: { stateHash: string }; signature: string }[]
    proof: string
  }
  expect(copied.verified).toBe(true)
  expect(copied.root.index).toBe(copied.index)
  const ids = registry.replicas.map((replica) => replica.id)
  expect(copied.signers.length).toBeGreaterThanOrEqual(registry.quorum)
  expect(copied.signers.every((id) => ids.includes(id))).toBe(true)
  expect(copied.attestations).toHaveLength(copied.signers.length)
  for (const signed of copied.attestations) {
    expect(signed.attestation.stateHash).toBe(copied.root.stateHash)
    expect(signed.signature).toMatch(/^0x[0-9a-f]{192}$/)
  }
  expect(copied.proof).toMatch(/^0x[0-9a-f]+$/)
  // Where the page has no clipboard (plain http from another host), it says it could not copy.
  await page.evaluate(() =>
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true }),
  )
  await page.getByTestId('copy-proof-USDT').click()
  await expect(page.getByTestId('balance-USDT')).toContainText('could not copy')
  await user.context.close()
})
