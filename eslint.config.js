// @ts-check
/**
 * ESLint, run by `npm run lint` (with `prettier --check .`) before the tests. Type-aware rules read
 * the two TypeScript programs, `web/tsconfig.json` (the web app) and the root one (the rest), each
 * built once: typescript-eslint's project service, which finds a file's tsconfig.json as it goes,
 * made the whole lint ~20 % slower here (38 against 49 s). A TypeScript file neither includes is
 * an error, so each file is checked with the options it compiles with. The rules kept are the ones
 * the compiler cannot enforce: no promise left without a catch, each `shared/<module>/` reached
 * through its `index.ts` only, no import cycles, and every error class built on `BaseError`.
 */
import { join } from 'node:path'
import { defineConfig, globalIgnores, includeIgnoreFile } from 'eslint/config'
import tseslint from 'typescript-eslint'
import { noImportCycles } from './.ci/eslint/importCycles.js'
import { moduleBoundaries } from './.ci/eslint/moduleBoundaries.js'

const root = import.meta.dirname

export default defineConfig(
  includeIgnoreFile(join(root, '.gitignore')),
  globalIgnores(['bench/results/', 'drizzle/']),
  {
    name: 'project/typescript',
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: ['./tsconfig.json', './web/tsconfig.json'], tsconfigRootDir: root },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // The project rule: no promise is left without a catch. `void` does not count as one: a
      // promise that provably cannot reject floats under a disable comment that says why.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          ignoreVoid: false,
          allowForKnownSafeCalls: [
            // Resolves once the refetches settle and never rejects unless called with
            // `throwOnError: true` (TanStack Query's documentation), which this project never does.
            { from: 'package', package: '@tanstack/query-core', name: 'invalidateQueries' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // Promise.all over a mix of values and promises (an own answer next to peers' ones) is fine.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      // One error base (viem's pattern): short message, details, cause chain and `walk`.
      'no-restricted-syntax': [
        'error',
        {
          selector: ':matches(ClassDeclaration, ClassExpression)[superClass.name="Error"]',
          message: 'Extend BaseError from shared/errors, not Error.',
        },
      ],
    },
  },
  {
    name: 'project/base-error',
    // The one class that extends Error directly.
    files: ['shared/errors/baseError.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    name: 'project/imports',
    files: ['**/*.{ts,tsx,mts,cts,js,mjs}'],
    plugins: {
      project: {
        rules: {
          'module-boundaries': moduleBoundaries(join(root, 'shared')),
          'no-import-cycles': noImportCycles,
        },
      },
    },
    rules: {
      'project/no-import-cycles': 'error',
      'project/module-boundaries': 'error',
    },
  },
  {
    name: 'project/tests',
    // Tests reach into the module they test, and into other modules' internals for fixtures.
    files: ['**/*.test.{ts,tsx}', '**/*.spec.ts'],
    rules: { 'project/module-boundaries': 'off' },
  },
)
