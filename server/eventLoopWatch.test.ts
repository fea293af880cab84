import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import { processDebugRoutes } from './processDebugRoutes.ts'
import { RequestCounts } from './requestCounts.ts'

type Reading = {
  eventLoop: { busyPercent: number; delayP50Ms: number; delayP99Ms: number; delayMaxMs: number }
}

it('tells how busy and how late the event loop was since the last read, from the first read on', async () => {
  const app = processDebugRoutes(new RequestCounts())
  const read = async () => (await (await app.request('/debug/event-loop')).json()) as Reading
  // The first read starts the watch: nothing measured before it.
  expect(await read()).toEqual({ eventLoop: null })
  await sleep(50)
  // The loop held for 80 ms: a timer due meanwhile came back that late, and the loop was busy.
  const until = performance.now() + 80
  while (performance.now() < until) {
    // busy
  }
  await sleep(50)
  const blocked = (await read()).eventLoop
  expect(blocked.delayMaxMs).toBeGreaterThanOrEqual(50)
  expect(blocked.busyPercent).toBeGreaterThan(30)
  // Each read covers what came after the one before: an idle stretch shows no such delay.
  await sleep(100)
  const idle = (await read()).eventLoop
  expect(idle.delayMaxMs).toBeLessThan(blocked.delayMaxMs)
  expect(idle.busyPercent).toBeLessThan(blocked.busyPercent)
})
