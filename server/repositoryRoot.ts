import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * The repository's root directory: the nearest directory above this module holding
 * `package.json`. Computed, not fixed relative to the file, because this code runs both from its
 * source (`server/…`) and from the compiled bundles (`.build/server-<hash>/`), which sit at
 * another depth.
 */
export const REPOSITORY_ROOT: string = findRoot(import.meta.dirname)

function findRoot(start: string): string {
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json'))) return directory
    if (dirname(directory) === directory) throw new Error(`no package.json above ${start}`)
  }
}
