// @ts-check
/*
 * The server runs compiled JavaScript, not TypeScript through a loader: each service (Zellular
 * node, replica, its verifier thread, the launcher, the demo market maker) is bundled by esbuild
 * into one ES module under `.build/server-<fingerprint>/`, with the npm packages it uses inside
 * it but the native ones (`EXTERNAL_PACKAGES`).
 * The directory is named by a hash of the sources, so a build is reused until a source changes,
 * two processes building at once cannot overwrite each other's output, and an older build that a
 * running cluster still uses stays where it is. Plain JavaScript because it must run before
 * anything is compiled (`server/start.mjs`); `tsx` stays a development tool.
 */
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BUILDS = join(ROOT, '.build')

/** Source entry (from the repository root) → bundle file name. */
export const SERVER_ENTRIES = Object.freeze({
  'server/zellular/main.ts': 'zellular.mjs',
  'server/replica/main.ts': 'replica.mjs',
  // Loaded by `server/replica/verifierPool.ts` as `./verifierThread.mjs` next to the replica.
  'server/replica/verifierWorker.ts': 'verifierThread.mjs',
  'server/devnet/main.ts': 'devnet.mjs',
  'server/marketMaker/main.ts': 'marketMaker.mjs',
})

/**
 * Packages a bundle imports at run time instead of containing: native addons (`better-sqlite3`,
 * `secp256k1`) and `pg`, which asks for its optional native part (`pg-native`) with `require`.
 */
const EXTERNAL_PACKAGES = ['better-sqlite3', 'secp256k1', 'pg']

/**
 * herumi's `bls-eth-wasm` and `mcl-wasm` inline their WebAssembly as base64 and decode it one
 * character at a time through a callback: ~100 ms of CPU per library in every process at every
 * start (8 processes in `npm start`). In the bundles it is decoded by Node's own base64 decoder
 * (under 1 ms). The replacement keeps the line count, so the source maps stay right below it.
 */
const SLOW_WASM_DECODING =
  /Uint8Array\.from\(atob\(wasmBase64\), function\s*\(c\)\s*\{\s*return c\.charCodeAt\(0\);?\s*\}\)/g

/** Builds older than this are deleted by the next build (a day: no run lasts that long). */
const KEEP_OLD_BUILDS_MS = 24 * 60 * 60 * 1000

/** @type {string | undefined} */
let ensured

/**
 * The directory of the compiled services for the sources as they are at the first call, building
 * it first when it is missing (about a second). Later calls in the same process give the same
 * directory even if the sources changed since: a service restarted in the middle of a test or a
 * chaos run must run the same code as its peers.
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {string}
 */
export function ensureServerBuild(options = {}) {
  if (ensured !== undefined) return ensured
  const directory = serverBuildDirectory()
  if (!existsSync(join(directory, 'complete'))) {
    options.log?.('compiling the server (esbuild)…')
    build(directory)
    pruneOldBuilds(directory)
  }
  ensured = directory
  return directory
}

/**
 * Where the compiled services for the sources as they are now are, or will be once built
 * (`bench:start` deletes it to time a start that compiles).
 * @returns {string}
 */
export function serverBuildDirectory() {
  return join(BUILDS, `server-${sourceFingerprint()}`)
}

/** @param {string} directory */
function build(directory) {
  mkdirSync(BUILDS, { recursive: true })
  const staging = `${directory}.${process.pid}.tmp`
  rmSync(staging, { recursive: true, force: true })
  // esbuild is a development dependency, needed only when a build is missing.
  const esbuild = /** @type {typeof import('esbuild')} */ (
    createRequire(import.meta.url)('esbuild')
  )
  esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(SERVER_ENTRIES).map(([source, bundle]) => ({
      in: source,
      out: bundle.replace(/\.mjs$/, ''),
    })),
    outdir: staging,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Packages are bundled too (what a service uses of viem, zod, hono, drizzle, …, tree-shaken):
    // loading them as hundreds of separate modules was most of a process's start (viem's root
    // alone ~0.5 s of CPU). Left outside: `EXTERNAL_PACKAGES`.
    external: EXTERNAL_PACKAGES,
    mainFields: ['module', 'main'],
    // The CommonJS among the bundled packages `require` Node's own modules, which an ES module
    // can only do through a `require` made for it.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // Stack traces need the mappings, not the sources: a smaller map is faster to load.
    sourcesContent: false,
    logLevel: 'error',
    // Lets a bundle know it is one (see `server/serviceProcesses.ts`).
    define: { 'globalThis.__SERVER_BUILD__': 'true' },
  })
  for (const bundle of Object.values(SERVER_ENTRIES)) decodeWasmNatively(join(staging, bundle))
  // Marks the build whole: a directory without it is an interrupted build.
  writeFileSync(join(staging, 'complete'), '')
  try {
    renameSync(staging, directory)
  } catch (error) {
    // Another process finished the same build first: theirs is identical.
    rmSync(staging, { recursive: true, force: true })
    if (!existsSync(join(directory, 'complete'))) throw error
  }
}

/**
 * Rewrites the WebAssembly glue's decoding in `file` (`SLOW_WASM_DECODING`). Fails the build when
 * any is left, so a release of either library whose glue reads differently is noticed here.
 * @param {string} file
 */
function decodeWasmNatively(file) {
  const code = readFileSync(file, 'utf8').replace(SLOW_WASM_DECODING, (slow) => {
    const lines = '\n'.repeat(slow.split('\n').length - 1)
    return `new Uint8Array(Buffer.from(wasmBase64, "base64"${lines}))`
  })
  // A regular expression, not a string: this file is in a bundle too, and must not match itself.
  if (/Uint8Array\.from\(atob\(/.test(code)) {
    throw new Error(`${file}: WebAssembly glue this build does not know (server/serverBuild.mjs)`)
  }
  writeFileSync(file, code)
}

/** @param {string} keep */
function pruneOldBuilds(keep) {
  const now = Date.now()
  for (const name of readdirSync(BUILDS)) {
    const path = join(BUILDS, name)
    if (path === keep || !name.startsWith('server-')) continue
    if (now - statSync(path).mtimeMs > KEEP_OLD_BUILDS_MS)
      rmSync(path, { recursive: true, force: true })
  }
}

/** A hash of everything a bundle is made of: server and shared sources, locked packages, this file. */
function sourceFingerprint() {
  const hash = createHash('sha256')
  const files = [
    ...listSources(join(ROOT, 'server')),
    ...listSources(join(ROOT, 'shared')),
    join(ROOT, 'package-lock.json'),
  ]
  for (const file of files) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex').slice(0, 16)
}

/** @param {string} directory @returns {string[]} */
function listSources(directory) {
  /** @type {string[]} */
  const found = []
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) found.push(...listSources(path))
    else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) found.push(path)
  }
  return found
}
