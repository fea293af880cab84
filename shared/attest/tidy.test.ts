import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/*
 * Style checked by a test, not by memory (TigerBeetle's tidy.zig): this folder's sources must
 * stay pure and small. A copy lives in each pure module folder until a repository-wide
 * one exists in shared/.
 */

const folder = dirname(fileURLToPath(import.meta.url))
const files = readdirSync(folder).filter((name) => name.endsWith('.ts'))
const isTest = (name: string) => name.endsWith('.test.ts')
const maxColumns = 100
const maxFunctionLines = 70

// Non-determinism, I/O, floats for money and debugging leftovers have no place in a pure core.
const banned: readonly [RegExp, string][] = [
  [/\bDate\.now\b|\bnew Date\b|\bperformance\.now\b/, 'clock'],
  [/\bMath\.random\b|\bcrypto\.getRandomValues\b/, 'randomness'],
  [/\bparseFloat\b|\bNumber\(|\btoFixed\(/, 'float conversion'],
  [/\bconsole\.\w+/, 'console output'],
  [/\bprocess\.env\b|\bfetch\(|\bnode:fs\b/, 'environment or I/O'],
  [/^export \*/m, 'export *'],
  [/\bFIXME\b/, 'FIXME'],
]

function longFunctions(name: string, text: string): string[] {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
      if (end - start + 1 > maxFunctionLines) found.push(`${name}:${start + 1}`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('tidy', () => {
  it.each(files)('%s keeps lines within 100 columns', (name) => {
    const lines = readFileSync(join(folder, name), 'utf8').split('\n')
    const long = lines.flatMap((line, index) => (line.length > maxColumns ? [index + 1] : []))
    expect(long).toEqual([])
  })

  it.each(files.filter((name) => !isTest(name)))('%s uses no banned construct', (name) => {
    const text = readFileSync(join(folder, name), 'utf8')
    const hits = banned.filter(([pattern]) => pattern.test(text)).map(([, what]) => what)
    expect(hits).toEqual([])
  })

  it.each(files.filter((name) => !isTest(name)))('%s has no function over 70 lines', (name) => {
    expect(longFunctions(name, readFileSync(join(folder, name), 'utf8'))).toEqual([])
  })
})
