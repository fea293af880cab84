import { expect, test } from '@playwright/test'
import { e2ePorts } from '../playwright.config.ts'
import {
  connect,
  fetchRegistry,
  openUser,
  placeLimitAndSeeLevel,
  useFaucet,
} from './support/app.ts'
import { controlClient } from './support/control.ts'

/*
 * The replica the page streams from hangs (SIGSTOP): its connections stay open and no byte comes,
 * no error either, on a quiet market. The stream must notice (its heartbeats stop; the replica's
 * `/status` no longer answers) and move to another replica, and the page keep updating from it.
 * The replica is let go again at the end, so the shared system stays whole.
 */
test('a hung streaming replica: the stream moves to another replica and the book keeps updating', async ({
  browser,
  baseURL,
  request,
}) => {
  test.setTimeout(120_000)
  const control = controlClient(e2ePorts.control)
  const registry = await fetchRegistry(request)
  const user = await openUser(browser, { baseURL: baseURL! })
  await connect(user)
  await useFaucet(user)
  const indicator = user.page.getByTestId('live-indicator')
  await expect(indicator).toHaveAttribute('data-state', 'live')
  const text = (await indicator.textContent()) ?? ''
  const hung = registry.replicas.find((replica) => text.includes(replica.id))
  expect(hung).toBeDefined()
  if (hung === undefined) return
  await control.pauseReplica(hung.id)
  try {
    await expect(indicator).not.toContainText(hung.id, { timeout: 20_000 })
    await expect(indicator).toHaveAttribute('data-state', 'live')
    // A new order reaches the page through the replica it streams from now.
    await placeLimitAndSeeLevel(user.page, { side: 'buy', price: '1234.56', quantity: '0.01' })
  } finally {
    await control.resumeReplica(hung.id)
  }
  await user.context.close()
})
