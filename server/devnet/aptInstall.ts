import { execFileSync } from 'node:child_process'

/**
 * Installs a Debian package with apt-get (as root, or through passwordless sudo): how tests get
 * what npm does not bring (Chromium, PostgreSQL), never by downloading a binary from elsewhere.
 * Throws when apt-get fails.
 */
export function aptInstall(debianPackage: string, what: string): void {
  const asRoot = process.getuid?.() === 0
  const run = (args: string[]) =>
    execFileSync(asRoot ? args[0]! : 'sudo', asRoot ? args.slice(1) : ['-n', ...args], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  console.error(`${what} not found: installing Debian package "${debianPackage}" with apt-get`)
  run(['apt-get', 'update'])
  run(['apt-get', 'install', '-y', '--no-install-recommends', debianPackage])
}
