import type { Plugin } from 'vite'

/** bls-eth-wasm's glue: its WebAssembly inlined as base64 and decoded there. */
const glueFile = /[\\/]bls-eth-wasm[\\/]src[\\/]bls_c\.js$/
const inlined = /const wasmBase64 = '([A-Za-z0-9+/=]+)'/
const decoded =
  'const wasmBytes = Uint8Array.from(atob(wasmBase64), function (c) { return c.charCodeAt(0) })'
const instantiated = 'WebAssembly.instantiate(wasmBytes, imports)'

/**
 * Serves herumi's WebAssembly (`bls-eth-wasm`, 454 kB) as its own `.wasm` file, compiled while
 * it downloads (`WebAssembly.instantiateStreaming`), instead of base64 in its JavaScript chunk:
 * the glue decodes that text one character at a time through a callback, about a quarter of a
 * second on this machine's Chromium before the first check can start (343 ms to load it, against
 * 65–140 ms streamed, `npm run bench:browser -- --only=verify`). Build only: `vite` (dev)
 * serves the package as published. The glue is rewritten by exact text, so a version of the
 * package whose glue differs fails the build here rather than shipping the slow path unnoticed.
 */
export function herumiWasm(): Plugin {
  return {
    name: 'herumi-wasm',
    apply: 'build',
    transform(code, id) {
      if (!glueFile.test(id)) return null
      const base64 = inlined.exec(code)?.[1]
      if (base64 === undefined || !code.includes(decoded) || !code.includes(instantiated)) {
        this.error(`${id} is not the bls-eth-wasm glue this plugin rewrites: update web/vite/`)
      }
      const asset = this.emitFile({
        type: 'asset',
        name: 'herumi.wasm',
        source: Buffer.from(base64, 'base64'),
      })
      return code
        .replace(inlined, '')
        .replace(decoded, `const wasmBytes = fetch(import.meta.ROLLUP_FILE_URL_${asset})`)
        .replace(instantiated, 'WebAssembly.instantiateStreaming(wasmBytes, imports)')
    },
  }
}
