/**
 * Style checked by a test, not by memory (house convention 16, TigerBeetle's tidy.zig), for every
 * pure module of `shared/`: no clock, randomness, floats, console or I/O in sources; no
 * `export *`; no leftover FIXME; lines of at most 100 columns; functions of at most 70 lines.
 * A line may opt out of one ban with a trailing `// tidy: allow <reason>` comment; the few files
 * whose job is I/O are listed below with what they may use.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = import.meta.dirname
const modules = readdirSync(root, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)

const banned: readonly (readonly [RegExp, string])[] = [
  [/\bDate\.now\b|\bnew Date\(|\bperformance\.now\b/, 'clock'],
  [/\bMath\.random\b|\bcrypto\.getRandomValues\b/, 'randomness'],
  [/\bparseFloat\b|\bNumber\(|\btoFixed\(/, 'float conversion'],
  [/\bconsole\.\w+/, 'console output'],
  [/\bprocess\.(env|stdout|stderr|exit)\b|\bfetch\(|\bfrom 'node:/, 'environment or I/O'],
]

/** Files whose job includes a banned kind of thing, and only that kind. */
const allowed: Readonly<Record<string, readonly string[]>> = {
  // The SDK talks HTTP, spreads clients over nodes at random and backs off on timers.
  'zellular/client.ts': ['environment or I/O', 'randomness', 'clock', 'float conversion'],
  // Stake is a float in zsequencer's quorum arithmetic (its Q15), never money.
  'zellular/nodesFile.ts': ['float conversion'],
  'zellular/network.ts': ['float conversion'],
  // Batch verification weights signatures at random so that forgeries cannot cancel out; the
  // answer is the same for any weights, except with probability 2⁻⁶⁴ for a forged batch.
  'zellular/bls.ts': ['randomness'],
}

const filesOf = (module: string) =>
  readdirSync(join(root, module))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(root, module, name))
const all = modules.flatMap(filesOf)
// Test fixtures (`testing.ts`) are not product code: they may read the disk or the clock.
const sources = all.filter((path) => !path.endsWith('.test.ts') && !path.endsWith('testing.ts'))
const name = (path: string) => relative(root, path)

function longFunctions(path: string, text: string): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = file.getLineAndCharacterOfPosition(node.getStart()).line
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line
      if (end - start + 1 > 70) found.push(`${name(path)}:${start + 1}: ${end - start + 1} lines`)
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  return found
}

describe('tidy shared/', () => {
  it('finds the modules', () => {
    expect(modules).toEqual(expect.arrayContaining(['intents', 'ledger', 'orderbook', 'zellular']))
  })

  it('pure sources use no banned construct', () => {
    const problems: string[] = []
    for (const path of sources) {
      const permitted = allowed[name(path)] ?? []
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\/\/ tidy: allow\b/.test(line) || /^\s*(\*|\/\/|\/\*)/.test(line)) return
          for (const [pattern, what] of banned) {
            if (permitted.includes(what) || !pattern.test(line)) continue
            problems.push(`${name(path)}:${i + 1}: ${what}: ${line.trim()}`)
          }
        })
    }
    expect(problems).toEqual([])
  })

  it('no export *, no FIXME, lines of at most 100 columns', () => {
    const problems: string[] = []
    for (const path of all) {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const where = `${name(path)}:${i + 1}`
          if (/^\s*export \* from/.test(line)) problems.push(`${where}: export *`)
          if (/\bFIXME\b/.test(line) && !path.endsWith('tidy.test.ts')) problems.push(where)
          if ([...line].length > 100) problems.push(`${where}: ${[...line].length} columns`)
        })
    }
    expect(problems).toEqual([])
  })

  it('functions in sources are at most 70 lines', () => {
    expect(sources.flatMap((path) => longFunctions(path, readFileSync(path, 'utf8')))).toEqual([])
  })
})
