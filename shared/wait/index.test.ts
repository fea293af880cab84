import { expect, it } from 'vitest'
import * as module from './index.ts'

it('exports exactly this public surface', () => {
  // A change here is a change to the module's API: review it as one.
  expect(Object.keys(module).sort()).toMatchInlineSnapshot(`
    [
      "sleep",
    ]
  `)
})
