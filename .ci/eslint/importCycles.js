// @ts-check
/**
 * `project/no-import-cycles`: no module reaches itself through the imports that exist at run
 * time. It replaces `import-x/no-cycle`, which followed every import from every file it linted
 * (a quarter of ESLint's rule time here): this rule reads each file's imports once per ESLint
 * process, with TypeScript's parser and no type information, and finds the cycles of the whole
 * graph once (Tarjan's strongly connected components), so each linted file costs a lookup.
 *
 * Counted: static imports and re-exports, and `import('…')` with a literal path (a dynamic import
 * inside a cycle still runs before its importer is done with it in some orders). Not counted:
 * `import type`, `export type`, imports whose every name is `type`, and packages (only relative
 * paths are followed).
 *
 * The graph is read from disk the first time a file is reached and kept for the process: the CLI
 * sees the tree as it is, an editor's long-lived ESLint server sees changed imports after restart.
 * The linted file's own imports come from the text being linted.
 */
import { readFileSync, statSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import ts from 'typescript'

/** @typedef {{ target: string, line: number, column: number }} Edge */

/** Extensions tried, in order, for a relative path written without its own. */
const extensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs']
const sourceFile = /\.(?:[cm]?[jt]s|tsx|jsx)$/

/** The file a relative specifier names, or undefined when it names none of the project's. */
function resolveRelative(/** @type {string} */ from, /** @type {string} */ specifier) {
  const base = resolve(dirname(from), specifier)
  const candidates = [
    base,
    ...extensions.map((ext) => base + ext),
    ...extensions.map((ext) => base.replace(/\.[cm]?js$/, ext)),
    ...extensions.map((ext) => resolve(base, `index${ext}`)),
  ]
  return candidates.find((path) => sourceFile.test(path) && isFile(path))
}

/** Whether `path` is a file; false for a folder, nothing, or a path through a file. */
function isFile(/** @type {string} */ path) {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** Whether an import or export declaration brings in nothing but types. */
function typeOnly(/** @type {ts.ImportDeclaration | ts.ExportDeclaration} */ node) {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true
    const clause = node.exportClause
    return clause !== undefined && ts.isNamedExports(clause) && allTypes(clause.elements)
  }
  const clause = node.importClause
  if (clause === undefined) return false // `import './x.ts'` runs the module
  if (clause.isTypeOnly) return true
  const bindings = clause.namedBindings
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings)
    ? allTypes(bindings.elements)
    : false
}

function allTypes(/** @type {ts.NodeArray<ts.ImportSpecifier | ts.ExportSpecifier>} */ names) {
  return names.length > 0 && names.every((name) => name.isTypeOnly)
}

/** The run-time imports of one file, in source order, each resolved to a project file. */
function importsOf(/** @type {string} */ file, /** @type {string} */ text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false)
  /** @type {Edge[]} */
  const edges = []
  const add = (/** @type {ts.Expression} */ specifier) => {
    if (!ts.isStringLiteralLike(specifier) || !specifier.text.startsWith('.')) return
    const target = resolveRelative(file, specifier.text)
    if (target === undefined) return
    const at = source.getLineAndCharacterOfPosition(specifier.getStart(source))
    edges.push({ target, line: at.line + 1, column: at.character })
  }
  const visit = (/** @type {ts.Node} */ node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (!typeOnly(node)) add(node.moduleSpecifier)
      return
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [specifier] = node.arguments
      if (specifier !== undefined) add(specifier)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return edges
}

/**
 * The import graph and its strongly connected components, filled in as files are reached. A
 * component, once found, never changes (it is closed under the graph's edges), so Tarjan's
 * algorithm resumes from each new file over the nodes not yet assigned.
 */
class ImportGraph {
  /** @type {Map<string, Edge[]>} */
  #edges = new Map()
  /** @type {Map<string, Set<string>>} */
  #componentOf = new Map()

  /** Sets a file's imports from its text (the linted file's, which may be unsaved). */
  read(/** @type {string} */ file, /** @type {string} */ text) {
    if (!this.#componentOf.has(file)) this.#edges.set(file, importsOf(file, text))
  }

  /** The file's run-time imports. */
  edgesOf(/** @type {string} */ file) {
    let edges = this.#edges.get(file)
    if (edges === undefined) {
      edges = importsOf(file, readFileSync(file, 'utf8'))
      this.#edges.set(file, edges)
    }
    return edges
  }

  /** The files that import one another with this one, itself included. */
  componentOf(/** @type {string} */ file) {
    const known = this.#componentOf.get(file)
    if (known !== undefined) return known
    this.#tarjan(file)
    return /** @type {Set<string>} */ (this.#componentOf.get(file))
  }

  /** Iterative Tarjan from `root` (deep import chains would overflow a recursive one). */
  #tarjan(/** @type {string} */ root) {
    /** @type {Map<string, number>} */ const index = new Map()
    /** @type {Map<string, number>} */ const low = new Map()
    /** @type {string[]} */ const stack = []
    /** @type {Set<string>} */ const onStack = new Set()
    /** @type {{ file: string, next: number }[]} */ const work = [{ file: root, next: 0 }]
    const enter = (/** @type {string} */ file) => {
      index.set(file, index.size)
      low.set(file, index.size - 1)
      stack.push(file)
      onStack.add(file)
    }
    enter(root)
    while (work.length > 0) {
      const frame = /** @type {{ file: string, next: number }} */ (work[work.length - 1])
      const edges = this.edgesOf(frame.file)
      if (frame.next < edges.length) {
        const { target } = /** @type {Edge} */ (edges[frame.next++])
        if (this.#componentOf.has(target)) continue
        if (!index.has(target)) {
          enter(target)
          work.push({ file: target, next: 0 })
        } else if (onStack.has(target)) {
          lower(low, frame.file, /** @type {number} */ (index.get(target)))
        }
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined) lower(low, parent.file, /** @type {number} */ (low.get(frame.file)))
      if (low.get(frame.file) !== index.get(frame.file)) continue
      /** @type {Set<string>} */
      const component = new Set()
      let member
      do {
        member = /** @type {string} */ (stack.pop())
        onStack.delete(member)
        component.add(member)
        this.#componentOf.set(member, component)
      } while (member !== frame.file)
    }
  }

  /** A shortest chain of imports from `from` to `to` within their component, both included. */
  pathBetween(/** @type {string} */ from, /** @type {string} */ to) {
    const component = this.componentOf(from)
    /** @type {Map<string, string | undefined>} */
    const previous = new Map([[from, undefined]])
    const queue = [from]
    for (let i = 0; i < queue.length && !previous.has(to); i++) {
      const file = /** @type {string} */ (queue[i])
      for (const { target } of this.edgesOf(file)) {
        if (!component.has(target) || previous.has(target)) continue
        previous.set(target, file)
        queue.push(target)
      }
    }
    /** @type {string[]} */
    const path = []
    for (let file = /** @type {string | undefined} */ (to); file !== undefined;) {
      path.unshift(file)
      file = previous.get(file)
    }
    return path
  }
}

function lower(
  /** @type {Map<string, number>} */ low,
  /** @type {string} */ file,
  /** @type {number} */ value,
) {
  if (value < /** @type {number} */ (low.get(file))) low.set(file, value)
}

/** One graph per ESLint process (each `--concurrency` worker has its own). */
const graph = new ImportGraph()

/** @type {import('eslint').Rule.RuleModule} */
export const noImportCycles = {
  meta: {
    type: 'problem',
    docs: { description: 'No module reaches itself through its run-time imports' },
    messages: { cycle: 'Import cycle: {{path}}.' },
    schema: [],
  },
  create(context) {
    const file = context.filename
    return {
      Program() {
        graph.read(file, context.sourceCode.text)
        const component = graph.componentOf(file)
        const cwd = context.cwd
        for (const edge of graph.edgesOf(file)) {
          if (!component.has(edge.target)) continue
          const chain = [file, ...graph.pathBetween(edge.target, file)]
          const path = chain.map((f) => relative(cwd, f).replaceAll('\\', '/')).join(' → ')
          const loc = { line: edge.line, column: edge.column }
          context.report({ loc, messageId: 'cycle', data: { path } })
        }
      },
    }
  },
}
