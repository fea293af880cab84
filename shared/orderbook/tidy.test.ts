/**
 * Style checked by a test (house convention 16), for this folder: banned constructs in pure code,
 * no `export *`, no leftover FIXME, lines of at most 100 columns, functions of at most 70 lines.
 * A line may opt out of one ban with a trailing `// tidy: allow <reason>` comment.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { expect, test } from 'vitest'

const folder = import.meta.dirname
const files = readdirSync(folder).filter((name) => name.endsWith('.ts'))
const sources = files.filter((name) => !name.endsWith('.test.ts'))

const banned: [RegExp, string][] = [
  [/\bDate\.now\b|\bnew Date\(/, 'no clock in pure code; pass time in'],
  [/\bMath\.random\b/, 'no randomness in pure code'],
  [/\bparseFloat\b|\bNumber\.parseFloat\b/, 'no floats for money'],
  [/\bconsole\.(log|info|warn|error|debug)\b/, 'no logging in pure code; return events'],
  [/\bNumber\(/, 'no Number( on amounts; keep bigint'],
  [/\bprocess\.|\bfrom 'node:/, 'no I/O or environment in pure code'],
]

test('pure sources use no banned construct', () => {
  const problems: string[] = []
  for (const name of sources) {
    readFileSync(join(folder, name), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (/\/\/ tidy: allow\b/.test(line) || /^\s*(\*|\/\/)/.test(line)) return
        for (const [pattern, why] of banned) {
          if (pattern.test(line)) problems.push(`${name}:${i + 1}: ${why}: ${line.trim()}`)
        }
      })
  }
  expect(problems).toEqual([])
})

test('every file: no export *, no FIXME, lines ≤ 100 columns', () => {
  const problems: string[] = []
  for (const name of files) {
    readFileSync(join(folder, name), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const where = `${name}:${i + 1}`
        if (/^\s*export \*/.test(line)) problems.push(`${where}: export *`)
        if (/\bFIXME\b/.test(line) && name !== 'tidy.test.ts') problems.push(`${where}: FIXME`)
        if ([...line].length > 100) problems.push(`${where}: ${[...line].length} columns`)
      })
  }
  expect(problems).toEqual([])
})

test('functions in sources are at most 70 lines', () => {
  const problems: string[] = []
  for (const name of sources) {
    const text = readFileSync(join(folder, name), 'utf8')
    const file = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true)
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
        const start = file.getLineAndCharacterOfPosition(node.getStart()).line
        const end = file.getLineAndCharacterOfPosition(node.getEnd()).line
        if (end - start + 1 > 70) problems.push(`${name}:${start + 1}: ${end - start + 1} lines`)
      }
      ts.forEachChild(node, visit)
    }
    visit(file)
  }
  expect(problems).toEqual([])
})
