import { existsSync } from 'node:fs'
import { aptInstall } from '../server/devnet/aptInstall.ts'

/**
 * `npm test` needs a Chromium for the end-to-end suite and must never download one: use the
 * Debian package, installing it with apt when it is missing (root, or passwordless sudo).
 * Prints the executable path on success.
 */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']

function found(): string | undefined {
  return CANDIDATES.find((path): path is string => !!path && existsSync(path))
}

let path = found()
if (!path) {
  try {
    aptInstall('chromium', 'Chromium')
  } catch (error) {
    console.error(`could not install chromium: ${(error as Error).message}`)
  }
  path = found()
}
if (!path) {
  console.error('No Chromium: install the Debian package "chromium" or set CHROMIUM_PATH.')
  process.exit(1)
}
console.log(path)
