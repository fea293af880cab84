import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Plugin } from 'vite'

/** bls-eth-wasm's glue: its WebAssembly inlined as base64 and decoded there. */
const glueFile = /[\\/]bls-eth-wasm[\\/]src[\\/]bls_c\.js$/
const inlined = /const wasmBase64 = '([A-Za-z0-9+/=]+)'/
const decoded =
  'const wasmBytes = Uint8Array.from(atob(wasmBase64), function (c) { return c.charCodeAt(0) })'
const instantiated = 'WebAssembly.instantiate(wasmBytes, imports)'

/** The app's module that starts the compilation early (a no-op as written: dev and tests). */
const starterFile = /[\\/]web[\\/]src[\\/]lib[\\/]startHerumiWasm\.ts$/

/**
 * Serves herumi's WebAssembly (`bls-eth-wasm`, 454 kB) as its own `.wasm` file, compiled while
 * it downloads (`WebAssembly.compileStreaming`), instead of base64 in its JavaScript chunk: the
 * glue decodes that text one character at a time through a callback, about a quarter of a
 * second on this machine's Chromium before the first check can start (343 ms to load it, against
 * 65–140 ms streamed, `npm run bench:browser -- --only=verify`). The compilation starts when the
 * app asks for herumi (`startHerumiWasm`, whose body this plugin writes), alongside the download
 * of herumi's script chunk, not after it: each page or worker compiles once, the glue takes the
 * module from `globalThis` (the one place the two bundles' code meets) and starts it itself if
 * nobody did. Build only: `vite` (dev) serves the package as published. The glue is rewritten by
 * exact text, so a version of the package whose glue differs fails the build here rather than
 * shipping the slow path unnoticed.
 */
export function herumiWasm(): Plugin {
  let asset: string | undefined
  return {
    name: 'herumi-wasm',
    apply: 'build',
    buildStart() {
      asset = undefined
    },
    transform(code, id) {
      const starter = starterFile.test(id)
      if (!starter && !glueFile.test(id)) return null
      const rewritable = inlined.test(code) && code.includes(decoded) && code.includes(instantiated)
      if (!starter && !rewritable) {
        this.error(`${id} is not the bls-eth-wasm glue this plugin rewrites: update web/vite/`)
      }
      // Once per build, from the glue being transformed or, for the starter, the installed one.
      asset ??= this.emitFile({
        type: 'asset',
        name: 'herumi.wasm',
        source: wasmOf(starter ? installedGlue() : code),
      })
      const compiled = compiledModule(`import.meta.ROLLUP_FILE_URL_${asset}`)
      if (starter) {
        // The rejection (no WebAssembly here) reaches the glue's `init`, which the app catches.
        return `export function startHerumiWasm() { ${compiled}.catch(function () {}) }`
      }
      return code
        .replace(inlined, '')
        .replace(decoded, `const wasmModule = ${compiled}`)
        .replace(
          instantiated,
          'wasmModule.then(function (module) { return WebAssembly.instantiate(module, imports) })' +
            '.then(function (instance) { return { instance: instance } })',
        )
    },
  }
}

/** Where a page's (or worker's) compilation of herumi waits, shared by the app and the glue. */
const compiledKey = `Symbol.for('zellular-orderbook/herumi.wasm')`

/** JavaScript for herumi's compiled module from `url`: the one started before, or a new one. */
function compiledModule(url: string): string {
  return (
    `(globalThis[${compiledKey}] || ` +
    `(globalThis[${compiledKey}] = WebAssembly.compileStreaming(fetch(${url}))))`
  )
}

/** The installed package's glue, for the starter when it is transformed before the glue. */
function installedGlue(): string {
  return readFileSync(createRequire(import.meta.url).resolve('bls-eth-wasm/src/bls_c.js'), 'utf8')
}

/** herumi's WebAssembly, from the base64 inlined in `glue`. */
function wasmOf(glue: string): Buffer {
  const base64 = inlined.exec(glue)?.[1]
  if (base64 === undefined)
    throw new Error('bls-eth-wasm has no inlined WebAssembly: update web/vite/')
  return Buffer.from(base64, 'base64')
}
