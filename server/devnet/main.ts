import { join, resolve } from 'node:path'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'
import { buildWebIfStale, startSystem, type RunningSystem } from './system.ts'

/**
 * `npm start` / `npm run devnet`: the whole product on loopback, with the demo market maker
 * quoting both markets (`--no-market-maker` leaves it out). Keys and data live in `.devnet/`
 * (git-ignored; `--data-dir=DIR` elsewhere) and persist between runs; `--fresh` deletes them
 * first. `--postgres` keeps the replicas' state in PostgreSQL (a throwaway local server, or
 * `--postgres=postgres://…` for one of yours) and serves replica 1 through 2 API processes
 * beside its applier. `--sync-replica` wipes replica 3's database and starts it by state sync
 * from its peers. `--port-offset=N` moves every port by N (a second network beside the first).
 */
const options = readOptions(process.argv.slice(2))
const COLORS: Record<string, string> = {
  node: '\x1b[36m',
  replica: '\x1b[33m',
  maker: '\x1b[35m',
}
const print = (name: string, line: string) => {
  const color = COLORS[name.split('-')[0]!] ?? ''
  process.stdout.write(`${color}${name.padEnd(9)}\x1b[0m ${line}\n`)
}

// From the start, not once the system is up: a signal with no handler would end this process
// and leave every service it had spawned running. One that comes while the system starts stops
// it as soon as it is up; one that comes after the ready line stops it at once.
let stopping = false
let running: RunningSystem | undefined
/** Stops every process of the system, then exits: 0, or 1 when stopping failed. */
async function stopAndExit(system: RunningSystem): Promise<never> {
  try {
    await system.stop()
  } catch (error) {
    console.error('stopping failed:', error)
    process.exit(1)
  }
  process.exit(0)
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    console.log('\nstopping…')
    if (running !== undefined) stopAndExit(running).catch(() => process.exit(1))
  })
}

// Settled to its error at once, so a build that fails while the system starts is not an
// unhandled rejection (which would end this process and leave its services running).
const webBuildFailure = buildWebIfStale().then(
  () => undefined,
  (error: unknown) => error,
)
const system = await startSystem({
  ...(options.postgres === undefined ? {} : { postgres: options.postgres }),
  dataDir: options.dataDir,
  fresh: options.fresh,
  syncReplica: options.syncReplica,
  marketMaker: options.marketMaker,
  zellularBasePort: 6001 + options.portOffset,
  replicaBasePort: 5001 + options.portOffset,
  webPort: 8000 + options.portOffset,
  onLine: print,
}).catch((error: unknown) => {
  console.error(`\nnot started: ${error instanceof Error ? error.message : String(error)}`)
  // The usual cause after an upgrade: `.devnet/` holds a network made with another genesis.
  console.error(
    'If a replica says its database was made from another genesis: npm start -- --fresh',
  )
  process.exit(1)
})

running = system
if (stopping) await stopAndExit(system)
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
if (options.syncReplica) {
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
// From this process's start (Node's time origin), so the server's compile and the loading of
// this bundle count, as the user waits for them too; only npm's own start is left out.
lines.push(`  ready in ${(performance.now() / 1000).toFixed(1)} s; Ctrl-C stops everything.`)
// NOTE: scripts parse the "Open <url>" line; `bench:start` and `start.test.ts` the "ready in" one.
console.log(lines.join('\n') + '\n')

interface LauncherOptions {
  readonly dataDir: string
  readonly fresh: boolean
  readonly syncReplica: boolean
  readonly marketMaker: boolean
  readonly postgres: { readonly serverUrl?: string } | undefined
  readonly portOffset: number
}

/** The command line, or an exit naming what is not an option (a typo must not start anyway). */
function readOptions(argv: readonly string[]): LauncherOptions {
  const valueOf = (name: string) =>
    argv
      .filter((a) => a.startsWith(`${name}=`))
      .at(-1)
      ?.slice(name.length + 1)
  const flags = ['--fresh', '--sync-replica', '--no-market-maker', '--postgres']
  const valued = ['--postgres=', '--data-dir=', '--port-offset=']
  const unknown = argv.filter((a) => !flags.includes(a) && !valued.some((v) => a.startsWith(v)))
  const offsetText = valueOf('--port-offset') ?? '0'
  const portOffset = Number(offsetText)
  const problem =
    unknown.length > 0
      ? `not an option: ${unknown.join(' ')}`
      : !Number.isSafeInteger(portOffset) || portOffset < 0 || portOffset > 50_000
        ? `--port-offset takes a whole number from 0 to 50000, not ${offsetText}`
        : valueOf('--data-dir') === ''
          ? '--data-dir takes a directory'
          : undefined
  if (problem !== undefined) {
    console.error(`npm start: ${problem}`)
    console.error(
      'options: --fresh --no-market-maker --sync-replica --postgres[=URL] --data-dir=DIR ' +
        '--port-offset=N',
    )
    process.exit(2)
  }
  const postgresUrl = valueOf('--postgres')
  return {
    dataDir: resolve(valueOf('--data-dir') ?? join(REPOSITORY_ROOT, '.devnet')),
    fresh: argv.includes('--fresh'),
    syncReplica: argv.includes('--sync-replica'),
    marketMaker: !argv.includes('--no-market-maker'),
    postgres:
      postgresUrl !== undefined
        ? { serverUrl: postgresUrl }
        : argv.includes('--postgres')
          ? {}
          : undefined,
    portOffset,
  }
}
