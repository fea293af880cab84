/**
 * Names of the `performance.mark`s loading herumi leaves (`herumi.ts`), which
 * `npm run bench:browser` reads to split a cold check's load into its parts. In a module of its
 * own so that reading them does not load herumi.
 */
export const herumiMarks = {
  /** herumi's chunk has downloaded and runs (its WebAssembly may still be compiling). */
  chunk: 'herumi:chunk',
  /** herumi is instantiated and set up for BLS12-381. */
  ready: 'herumi:ready',
} as const
