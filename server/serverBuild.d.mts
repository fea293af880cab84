/** Source entry (from the repository root) → bundle file name. */
export declare const SERVER_ENTRIES: Readonly<Record<string, string>>

/**
 * The directory of the compiled services for the sources as they are at the first call, building it first
 * when it is missing. Later calls in the process give the same directory.
 */
export declare function ensureServerBuild(options?: { log?: (line: string) => void }): string

/** Where the compiled services for the sources as they are now are, or will be once built. */
export declare function serverBuildDirectory(): string
