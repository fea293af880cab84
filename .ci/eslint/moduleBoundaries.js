// @ts-check
/**
 * `project/module-boundaries`: code outside a `shared/<module>/` reaches it through its `index.ts`
 * (the façade that `index.test.ts` snapshots) or its test fixtures (`testing.ts`), never through
 * its internal files.
 */
import { dirname, join, relative, resolve, sep } from 'node:path'

/**
 * Files of a `shared/<module>/` that code outside the module may import: the façade, and the test
 * fixtures (`testing.ts`), which tests, fixtures and benchmarks elsewhere share but which stay out
 * of the public surface that `index.ts` lists and `index.test.ts` snapshots.
 */
const entryPoints = ['index.ts', 'testing.ts']

/** The `shared/` module a path belongs to, or undefined outside `shared/<module>/`. */
function sharedModuleOf(/** @type {string} */ shared, /** @type {string} */ path) {
  const parts = relative(shared, path).split(sep)
  return parts.length > 1 && parts[0] !== '..' && parts[0] !== '' ? parts[0] : undefined
}

/**
 * The rule for the modules under `shared` (an absolute path: the config's own folder, not the
 * directory ESLint runs from, which may be any folder below it).
 * @returns {import('eslint').Rule.RuleModule}
 */
export const moduleBoundaries = (/** @type {string} */ shared) => ({
  meta: {
    type: 'problem',
    docs: { description: 'Import a shared/<module>/ from outside it through its index.ts only' },
    messages: {
      deep: "Import shared/{{module}}/ through its index.ts, not its internal '{{file}}'.",
    },
    schema: [],
  },
  create(context) {
    const importer = context.filename
    const check = (/** @type {import('estree').Node | null | undefined} */ source) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return
      if (!source.value.startsWith('.')) return
      const target = resolve(dirname(importer), source.value)
      const module = sharedModuleOf(shared, target)
      if (module === undefined || module === sharedModuleOf(shared, importer)) return
      const file = relative(join(shared, module), target).split(sep).join('/')
      if (file === '' || entryPoints.includes(file)) return
      context.report({ node: source, messageId: 'deep', data: { module, file } })
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    }
  },
})
