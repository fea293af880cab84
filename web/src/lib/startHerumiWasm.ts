/**
 * Starts downloading and compiling herumi's WebAssembly, once per page or worker, so that it
 * proceeds while herumi's script chunk downloads and runs instead of after. As written it does
 * nothing: the build (`web/vite/herumiWasm.ts`) replaces this body with the start of a
 * `WebAssembly.compileStreaming` that herumi's glue then instantiates; `vite` (dev) and tests
 * run the package as published, whose WebAssembly is inlined in its script.
 */
export function startHerumiWasm(): void {}
