import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Rule } from 'eslint'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'

/**
 * Lints a tree of files, written to a new temporary folder, with one project rule on; answers
 * each file that has messages, by its path in the tree, as `line:column message`. The rule may be
 * a function of the tree's folder (for rules that are configured with a path).
 */
export async function lintTree(
  rule: Rule.RuleModule | ((dir: string) => Rule.RuleModule),
  files: Record<string, string>,
): Promise<Record<string, string[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'lint-tree-'))
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: { parser: tseslint.parser },
          plugins: { project: { rules: { rule: typeof rule === 'function' ? rule(dir) : rule } } },
          rules: { 'project/rule': 'error' },
        },
      ],
    })
    const results = await eslint.lintFiles(['.'])
    return Object.fromEntries(
      results
        .filter((result) => result.messages.length > 0)
        .map((result) => [
          result.filePath.slice(dir.length + 1),
          result.messages.map((m) => `${m.line}:${m.column} ${m.message}`),
        ]),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
