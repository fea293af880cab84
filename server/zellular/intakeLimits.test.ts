import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { FRESHNESS_HEADER, FRESHNESS_MAC_HEADER, freshnessHeader } from './freshness.ts'
import { createNodeApp } from './routes.ts'
import { syncedFollower } from './testNodes.ts'

beforeAll(() => initZellular())

async function follower(config: Parameters<typeof syncedFollower>[0]['config'] = {}) {
  const made = await syncedFollower({ position: 1, config })
  return { ...made, app: createNodeApp(made.node) }
}

/** A body of `totalBytes` produced lazily, counting what the server actually pulled. */
function lazyBody(totalBytes: number) {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
  let sent = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) return controller.close()
      sent += chunk.byteLength
      controller.enqueue(chunk)
    },
  })
  return { stream, sent: () => sent }
}

it('refuses a huge batch body while reading it, not after', async () => {
  const { node, app, close } = await follower()
  try {
    const body = lazyBody(64 * 1024 * 1024)
    const response = await app.request('/node/a/batches', {
      method: 'PUT',
      body: body.stream,
      headers: { 'Content-Type': 'text/plain' },
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(429)
    expect(response.headers.get('Retry-After')).toBe('1')
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'BatchSizeExceededError',
    )
    expect(body.sent()).toBeLessThan(1024 * 1024)
    expect(node.outbox.queued('a').length).toBe(0)
  } finally {
    close()
  }
})

it('refuses a huge signed node request by its announced size before reading it', async () => {
  const { node, app, ids, close } = await follower()
  try {
    const response = await app.request('/node/dispute', {
      method: 'POST',
      body: 'x'.repeat(1024 * 1024),
      headers: {
        Signer: ids[0]!,
        [FRESHNESS_HEADER]: freshnessHeader(Date.now(), node.id),
        [FRESHNESS_MAC_HEADER]: '00',
        'Content-Type': 'application/json',
      },
    })
    expect(response.status).toBe(429)
  } finally {
    close()
  }
})

it("caps a follower's queue per app and answers 429 with Retry-After once full", async () => {
  const { node, app, close } = await follower({ maxQueuedKbPerApp: 40 })
  try {
    const put = () =>
      app.request('/node/a/batches', {
        method: 'PUT',
        body: 'z'.repeat(4 * 1024),
        headers: { 'Content-Type': 'text/plain' },
      })
    for (let i = 0; i < 10; i++) expect((await put()).status).toBe(200)
    const refused = await put()
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('1')
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'BatchesLimitExceededError',
    )
    expect(node.outbox.queued('a').length).toBe(10)
    expect(node.outbox.queuedBytes('a')).toBe(40 * 1024)
  } finally {
    close()
  }
})

it('caps a bulk PUT body', async () => {
  const { node, app, close } = await follower({ maxRequestKb: 16 })
  try {
    const response = await app.request('/node/batches', {
      method: 'PUT',
      body: JSON.stringify({ a: Array.from({ length: 10 }, () => 'q'.repeat(2048)) }),
      headers: { 'Content-Type': 'application/json' },
    })
    expect(response.status).toBe(429)
    expect(node.outbox.queued('a').length).toBe(0)
  } finally {
    close()
  }
})
