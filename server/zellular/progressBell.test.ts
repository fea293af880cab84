import { expect, it } from 'vitest'
import { ProgressBell } from './progressBell.ts'

/** Holds `count` waits of `holder` until the bell closes. */
function holdMany(bell: ProgressBell, count: number, holder: { key: string; peer?: boolean }) {
  return Array.from({ length: count }, () => bell.until(() => false, 60_000, holder))
}

/** Whether a wait of `holder` is held until the next ring, rather than answered at once. */
async function isHeld(bell: ProgressBell, holder: { key: string; peer?: boolean }) {
  let rung = false
  const waiting = bell.until(() => rung, 60_000, holder)
  rung = true
  bell.ring()
  return waiting
}

it('a wait past the cap of held requests answers at once instead of polling until its end', async () => {
  const bell = new ProgressBell()
  const held = Array.from({ length: 1_024 }, (_, n) => holdMany(bell, 1, { key: `c${n}` })).flat()
  let checks = 0
  const started = performance.now()
  const ready = await bell.until(
    () => {
      checks += 1
      return false
    },
    200,
    { key: 'late' },
  )
  expect(ready).toBe(false)
  expect(performance.now() - started).toBeLessThan(100)
  expect(checks).toBe(1)
  bell.close()
  await Promise.all(held)
})

it('holds at most 16 waits of one client: its next is answered at once, another still waits', async () => {
  const bell = new ProgressBell()
  const held = holdMany(bell, 16, { key: '203.0.113.7' })
  expect(await isHeld(bell, { key: '203.0.113.7' })).toBe(false)
  expect(await isHeld(bell, { key: '203.0.113.8' })).toBe(true)
  bell.close()
  await Promise.all(held)
})

it("holds a peer's wait while clients fill their places", async () => {
  const bell = new ProgressBell()
  const held = Array.from({ length: 64 }, (_, n) => holdMany(bell, 16, { key: `c${n}` })).flat()
  expect(await isHeld(bell, { key: 'c-late' })).toBe(false)
  expect(await isHeld(bell, { key: 'node-1', peer: true })).toBe(true)
  bell.close()
  await Promise.all(held)
})
