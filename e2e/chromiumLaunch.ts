/*
 * How every browser run here launches Chromium (the e2e suite and bench:browser): Debian's
 * package, which `npm test` installs if missing (`ensureChromium.ts`), never a download.
 */

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Headless on loopback: no GPU, no background traffic or updates, no small /dev/shm. */
export const chromiumArgs: readonly string[] = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]
