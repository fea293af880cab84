import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { moduleBoundaries } from './moduleBoundaries.js'
import { lintTree } from './lintTree.ts'

const lint = (files: Record<string, string>) =>
  lintTree((dir) => moduleBoundaries(join(dir, 'shared')), files)

describe('project/module-boundaries', () => {
  it("reports imports of a shared module's internal files from outside it", async () => {
    expect(
      await lint({
        'shared/money/index.ts': "export { add } from './add.ts'",
        'shared/money/add.ts': 'export const add = (a: bigint, b: bigint) => a + b',
        'shared/money/testing.ts': 'export const one = 1n',
        'shared/book/side.ts': "export { add } from '../money/add.ts'",
        'server/app.ts': [
          "import { add } from '../shared/money/add.ts'",
          "import { one } from '../shared/money/testing.ts'",
          "export { add } from '../shared/money/index.ts'",
          "export const load = () => import('../shared/money/add.ts')",
          'export const two = add(one, one)',
        ].join('\n'),
      }),
    ).toEqual({
      'shared/book/side.ts': [
        "1:21 Import shared/money/ through its index.ts, not its internal 'add.ts'.",
      ],
      'server/app.ts': [
        "1:21 Import shared/money/ through its index.ts, not its internal 'add.ts'.",
        "4:34 Import shared/money/ through its index.ts, not its internal 'add.ts'.",
      ],
    })
  })
})
