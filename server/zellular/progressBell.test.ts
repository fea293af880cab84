import { expect, it } from 'vitest'
import { ProgressBell } from './progressBell.ts'

it('a wait past the cap of held requests answers at once instead of polling until its end', async () => {
  const bell = new ProgressBell()
  const held = Array.from({ length: 1_024 }, () => bell.wait(60_000))
  let checks = 0
  const started = performance.now()
  const ready = await bell.until(() => {
    checks += 1
    return false
  }, 200)
  expect(ready).toBe(false)
  expect(performance.now() - started).toBeLessThan(100)
  expect(checks).toBe(1)
  bell.close()
  await Promise.all(held)
})
