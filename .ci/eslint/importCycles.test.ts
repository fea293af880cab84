import { describe, expect, it } from 'vitest'
import { noImportCycles } from './importCycles.js'
import { lintTree } from './lintTree.ts'

const lint = (files: Record<string, string>) => lintTree(noImportCycles, files)

describe('project/no-import-cycles', () => {
  it('reports each import that closes a cycle, with the chain', async () => {
    expect(
      await lint({
        'a.ts': "import { b } from './b.ts'\nexport const a = () => b",
        'b.ts': "import { c } from './lib/c.ts'\nexport const b = () => c",
        'lib/c.ts': "import { a } from '../a.ts'\nexport const c = () => a",
        'd.ts': "import { a } from './a.ts'\nexport const d = a",
      }),
    ).toEqual({
      'a.ts': ['1:19 Import cycle: a.ts → b.ts → lib/c.ts → a.ts.'],
      'b.ts': ['1:19 Import cycle: b.ts → lib/c.ts → a.ts → b.ts.'],
      'lib/c.ts': ['1:19 Import cycle: lib/c.ts → a.ts → b.ts → lib/c.ts.'],
    })
  })

  it('counts re-exports, side-effect imports, dynamic imports and self-imports', async () => {
    expect(
      await lint({
        'a.ts': "export * from './b.ts'",
        'b.ts': "import './a.ts'",
        'c.ts': "export const c = () => import('./d.ts')",
        'd.ts': "export { c } from './c'",
        'e.ts': "import { e as f } from './e.js'\nexport const e = 1",
      }),
    ).toEqual({
      'a.ts': ['1:15 Import cycle: a.ts → b.ts → a.ts.'],
      'b.ts': ['1:8 Import cycle: b.ts → a.ts → b.ts.'],
      'c.ts': ['1:31 Import cycle: c.ts → d.ts → c.ts.'],
      'd.ts': ['1:19 Import cycle: d.ts → c.ts → d.ts.'],
      'e.ts': ['1:24 Import cycle: e.ts → e.ts.'],
    })
  })

  it('ignores imports of types only, packages and files that are not modules', async () => {
    expect(
      await lint({
        'a.ts': "import type { B } from './b.ts'\nexport type A = B",
        'b.ts': "import { type A } from './a.ts'\nexport type B = { a?: A }",
        'c.ts': "export type { A } from './a.ts'\nexport { type B } from './b.ts'",
        'd.ts': "import { c } from 'c'\nexport const d = c",
        'node_modules/c/index.ts': "import { d } from '../../d.ts'\nexport const c = d",
        // Not a module: `styles.css/index.ts` and the like are looked for and not found.
        'e.ts': "import './styles.css'\nexport const e = 1",
        'styles.css': 'body {}',
      }),
    ).toEqual({})
  })
})
