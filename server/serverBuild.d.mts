/** Source entry (from the repository root) → bundle file name. */
export declare const SERVER_ENTRIES: Readonly<Record<string, string>>

/**
 * The directory of the compiled services for the sources as they are now, building it first
 * when it is missing. The answer is remembered for the process.
 */
export declare function ensureServerBuild(options?: { log?: (line: string) => void }): string
