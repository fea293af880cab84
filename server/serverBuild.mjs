// @ts-check
/*
 * The server runs compiled JavaScript, not TypeScript through a loader: each service (Zellular
 * node, replica, its verifier thread, the launcher, the demo market maker) is bundled by esbuild
 * into one ES module under `.build/server-<fingerprint>/`, with every npm package left external.
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
  const fingerprint = sourceFingerprint()
  const directory = join(BUILDS, `server-${fingerprint}`)
  if (!existsSync(join(directory, 'complete'))) {
    options.log?.('compiling the server (esbuild)…')
    build(directory)
    pruneOldBuilds(directory)
  }
  ensured = directory
  return directory
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
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
    // Lets a bundle know it is one (see `server/serviceProcesses.ts`).
    define: { 'globalThis.__SERVER_BUILD__': 'true' },
  })
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
