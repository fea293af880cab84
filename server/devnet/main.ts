import { join, resolve } from 'node:path'
import { rmSync } from 'node:fs'
import { startLocalNetwork } from './localNetwork.ts'

/**
 * `npm run devnet` / `npm start`: the whole local system on loopback. Keys and data live in
 * `.devnet/` (git-ignored) and persist between runs; `--fresh` deletes it first.
 */
const DATA = resolve(import.meta.dirname, '../../.devnet')
if (process.argv.includes('--fresh')) rmSync(DATA, { recursive: true, force: true })

const COLORS = ['\x1b[36m', '\x1b[33m', '\x1b[35m', '\x1b[32m']
const network = await startLocalNetwork({
  dir: join(DATA, 'zellular'),
  apps: ['orderbook'],
  onLine: (position, line) =>
    process.stdout.write(
      `${COLORS[position % COLORS.length]}node-${position + 1}\x1b[0m ${line}\n`,
    ),
})

console.log('\nZellular local network is up:')
for (const [position, url] of network.urls().entries()) {
  console.log(`  node-${position + 1}  ${url}  ${network.layout.nodes[position]!.id}`)
}
console.log(`  nodes file: ${network.layout.nodesFile}\n  Ctrl-C stops everything.\n`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log('\nstopping…')
    void network.stop().then(() => process.exit(0))
  })
}
