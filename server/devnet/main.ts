import { join } from 'node:path'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'
import { buildWebIfStale, startSystem } from './system.ts'

/**
 * `npm start` / `npm run devnet`: the whole product on loopback, with the demo market maker
 * quoting both markets (`--no-market-maker` leaves it out). Keys and data live in `.devnet/`
 * (git-ignored) and persist between runs; `--fresh` deletes it first. `--postgres` keeps the
 * replicas' state in PostgreSQL (a throwaway local server, or `--postgres=postgres://…` for
 * one of yours) and serves replica 1 through 2 API processes beside its applier.
 * `--sync-replica` wipes replica 3's database and starts it by state sync from its peers.
 */
const started = performance.now()
const COLORS: Record<string, string> = {
  node: '\x1b[36m',
  replica: '\x1b[33m',
  maker: '\x1b[35m',
}
const print = (name: string, line: string) => {
  const color = COLORS[name.split('-')[0]!] ?? ''
  process.stdout.write(`${color}${name.padEnd(9)}\x1b[0m ${line}\n`)
}

const postgresFlag = process.argv.find((a) => a === '--postgres' || a.startsWith('--postgres='))
const postgres =
  postgresFlag === undefined
    ? undefined
    : postgresFlag === '--postgres'
      ? {}
      : { serverUrl: postgresFlag.slice('--postgres='.length) }

// Settled to its error at once, so a build that fails while the system starts is not an
// unhandled rejection (which would end this process and leave its services running).
const webBuildFailure = buildWebIfStale().then(
  () => undefined,
  (error: unknown) => error,
)
const system = await startSystem({
  ...(postgres === undefined ? {} : { postgres }),
  dataDir: join(REPOSITORY_ROOT, '.devnet'),
  fresh: process.argv.includes('--fresh'),
  syncReplica: process.argv.includes('--sync-replica'),
  marketMaker: !process.argv.includes('--no-market-maker'),
  onLine: print,
}).catch((error: unknown) => {
  console.error(`\nnot started: ${error instanceof Error ? error.message : String(error)}`)
  // The usual cause after an upgrade: `.devnet/` holds a network made with another genesis.
  console.error(
    'If a replica says its database was made from another genesis: npm start -- --fresh',
  )
  process.exit(1)
})

const webError = await webBuildFailure
if (webError !== undefined) {
  console.error(`\nnot started: ${webError instanceof Error ? webError.message : String(webError)}`)
  await system.stop()
  process.exit(1)
}

const lines = ['', 'Zellular orderbook is up:']
for (const [position, url] of system.zellular.urls().entries()) {
  lines.push(`  zellular node-${position + 1}  ${url}`)
}
for (const [position, url] of system.replicas.urls().entries()) {
  lines.push(`  replica-${position + 1}        ${url}`)
}
if (process.argv.includes('--sync-replica')) {
  lines.push('  replica-3        started from a peer snapshot checked against a quorum root')
}
if (system.postgres !== undefined) {
  lines.push(`  replica state    PostgreSQL, ${system.postgres.location}`)
  lines.push(`  replica-1        applier on its port + 100, 2 API processes on its own port`)
}
lines.push(`  registry         ${system.registryFile}`)
lines.push(
  system.marketMaker === undefined
    ? '  market maker     off (--no-market-maker)'
    : '  market maker     quoting ETH/USDT and BTC/USDT',
)
lines.push('', `  Open ${system.webUrl}`, '')
lines.push(
  `  ready in ${((performance.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops everything.`,
)
// NOTE: scripts and the start-time benchmark parse the "Open <url>" line.
console.log(lines.join('\n') + '\n')

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log('\nstopping…')
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stopping failed:', error)
        process.exit(1)
      },
    )
  })
}
