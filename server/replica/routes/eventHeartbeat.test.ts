import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { heartbeatIntervalMs } from '../eventHub.ts'
import type { Replica } from '../replica.ts'
import { createTestReplica, InMemorySequencer, waitFor } from '../testing.ts'

/*
 * A stream on an idle replica (no batch applied) still says it is alive: the browser's silence
 * timer moves off a stream only when it has been dead for a few heartbeats.
 */

let replica: Replica
let running: Promise<void>

beforeAll(async () => {
  replica = await createTestReplica({ sequencer: new InMemorySequencer() })
  running = replica.start()
})
afterAll(async () => {
  await replica.stop()
  await running
})

describe('GET /events heartbeat', () => {
  it('sends an idle stream a named `heartbeat` every interval, whatever `types` asks for', async () => {
    const controller = new AbortController()
    const response = await replica.app.request('/events?types=trade', {
      signal: controller.signal,
    })
    expect(response.status).toBe(200)
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    const names = (text: string) => [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1])
    const beats = (text: string) => names(text).filter((name) => name === 'heartbeat').length
    let text = ''
    const started = performance.now()
    while (beats(text) < 2) {
      const { value, done } = await reader.read()
      if (done) break
      text += value
    }
    const elapsed = performance.now() - started
    controller.abort()
    await waitFor(() => replica.deps.hub.subscriberCount === 0)
    expect(names(text)).toEqual(['hello', 'heartbeat', 'heartbeat'])
    // Two beats take about two intervals; a 15 s keep-alive comment would take far longer.
    expect(elapsed).toBeLessThan(heartbeatIntervalMs * 3)
    const frame = text.slice(text.indexOf('event: heartbeat')).split('\n\n')[0]!
    expect(frame).toContain(`data: ${JSON.stringify({ intervalMs: heartbeatIntervalMs })}`)
  })
})
