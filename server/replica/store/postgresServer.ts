import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { aptInstall } from '../../devnet/aptInstall.ts'
import { freeLoopbackPorts, loopbackWindows } from '../../loopbackPorts.ts'

/*
 * A real PostgreSQL server for tests and benchmarks: Debian's binaries, installed with apt when
 * missing (as `e2e/ensureChromium.ts` does for Chromium), a cluster made in a temporary folder,
 * started on a free loopback port and removed when stopped. PostgreSQL refuses to run as root,
 * so a root process runs it as the `postgres` user the package creates. Never a mock.
 */

/** A running server; `createDatabase` gives each test a database of its own. */
export interface PostgresServer {
  readonly port: number
  /** Creates an empty database and returns its `postgres://` URL. */
  createDatabase(): Promise<string>
  /**
   * CPU time the server has used so far, in ms: the postmaster and every backend that has ended
   * (Linux `/proc`); a benchmark reads it around a run, after closing its connections.
   */
  cpuMs(): number
  /**
   * CPU time the whole server has used so far, in ms: `cpuMs` plus every live backend and
   * background process (Linux `/proc`), so it can be read around a run whose clients stay
   * connected.
   */
  totalCpuMs(): number
  /** Stops the server at once and removes its folder. */
  stop(): void
}

const BIN_ROOT = '/usr/lib/postgresql'
/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS_PER_SECOND = 100

/** The `bin` folder of the newest PostgreSQL installed, if any. */
function findBinaries(): string | undefined {
  if (!existsSync(BIN_ROOT)) return undefined
  const versions = readdirSync(BIN_ROOT)
    .filter((version) => existsSync(join(BIN_ROOT, version, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : join(BIN_ROOT, versions[0], 'bin')
}

/** PostgreSQL's binaries, installed first if they are missing. */
function ensurePostgres(): string {
  let bin = findBinaries()
  if (bin === undefined) {
    aptInstall('postgresql', 'PostgreSQL')
    bin = findBinaries()
  }
  if (bin === undefined) throw new Error('no PostgreSQL: install the Debian package "postgresql"')
  return bin
}

/**
 * Starts a throwaway server: `initdb` into a temporary folder (trust authentication on loopback
 * only, no fsync of the cluster's creation), then `pg_ctl start` on a free port.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = ensurePostgres()
  const dir = mkdtempSync(join(tmpdir(), 'replica-pg-'))
  const data = join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  const postgresUser = asRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString()) : -1
  if (asRoot) chownSync(dir, postgresUser, Number(execFileSync('id', ['-g', 'postgres'])))
  const run = (program: string, args: string[]) => {
    const command = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
      : [join(bin, program), args]
    const result = spawnSync(command[0] as string, command[1] as string[], { encoding: 'utf8' })
    if (result.status !== 0) {
      throw new Error(`${program} failed: ${result.stderr || result.stdout || result.error}`)
    }
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  // Below the ephemeral range, apart from the ports tests take (`freeLoopbackPort`).
  const { from, below } = loopbackWindows().postgres
  const port = await freeLoopbackPorts(1, from, below)
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100`
  run('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', 'start'])
  let databases = 0
  const postmasterCpuMs = () => {
    const pid = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]
    // Fields 14–17 after the command name: utime, stime, cutime, cstime, in clock ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0)
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND
  }
  return {
    port,
    async createDatabase() {
      databases += 1
      const name = `replica_${process.pid}_${databases}`
      const admin = new pg.Client({
        host: '127.0.0.1',
        port,
        user: 'postgres',
        database: 'postgres',
      })
      await admin.connect()
      try {
        await admin.query(`CREATE DATABASE ${name}`)
      } finally {
        await admin.end()
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`
    },
    cpuMs: postmasterCpuMs,
    totalCpuMs() {
      const pid = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]!
      let ticks = 0
      for (const entry of readdirSync('/proc')) {
        if (!/^[0-9]+$/.test(entry)) continue
        let stat: string
        try {
          stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        } catch {
          continue // ended meanwhile: its time is in the postmaster's cutime now
        }
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        // Field 4 is the parent pid; 14 and 15 (utime, stime) are at 11 and 12 here.
        if (fields[1] === pid) ticks += Number(fields[11]) + Number(fields[12])
      }
      return postmasterCpuMs() + (ticks * 1000) / CLOCK_TICKS_PER_SECOND
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
