import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/**
 * `npm test` needs a Chromium for the end-to-end suite and must never download one: use the
 * Debian package, installing it with apt when it is missing (root, or passwordless sudo).
 * Prints the executable path on success.
 */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']

function found(): string | undefined {
  return CANDIDATES.find((path): path is string => !!path && existsSync(path))
}

function install(): void {
  const asRoot = process.getuid?.() === 0
  const run = (args: string[]) =>
    execFileSync(asRoot ? args[0]! : 'sudo', asRoot ? args.slice(1) : ['-n', ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  console.error('Chromium not found: installing Debian package "chromium" with apt-get')
  run(['apt-get', 'update'])
  run(['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'])
}

let path = found()
if (!path) {
  try {
    install()
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
