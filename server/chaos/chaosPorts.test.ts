import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { ephemeralPortRange } from '../ephemeralPorts.ts'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'
import { asPortError, chaosPorts, DEFAULT_BASE_PORT, refuseEphemeralPorts } from './chaosPorts.ts'

/*
 * The ports of a chaos run: below the ephemeral range, where no outgoing connection takes one,
 * and a port already taken ends the run before it starts, naming the port. Ports 22000-22299.
 */

const TSX = join(REPOSITORY_ROOT, 'node_modules/tsx/dist/esm/index.mjs')

it('lists every port a run listens on: 4 nodes, 3 replicas, 33 links of the mesh', () => {
  const ports = chaosPorts(22_000)
  expect(ports.length).toBe(40)
  expect(new Set(ports.map((entry) => entry.port)).size).toBe(40)
  expect(ports.slice(0, 5)).toEqual([
    { port: 22_001, owner: 'node-1' },
    { port: 22_002, owner: 'node-2' },
    { port: 22_003, owner: 'node-3' },
    { port: 22_004, owner: 'node-4' },
    { port: 22_101, owner: 'replica-1' },
  ])
  expect(ports.at(-1)).toEqual({ port: 22_232, owner: 'link 33 of the mesh' })
})

it("keeps the default ports and the tests' below this machine's ephemeral range", () => {
  const range = ephemeralPortRange()
  // chaos.test.ts runs from 19500, proxy.test.ts from 19950, this file from 22000.
  for (const basePort of [DEFAULT_BASE_PORT, 19_500, 22_000]) {
    expect(() => refuseEphemeralPorts(chaosPorts(basePort), range)).not.toThrow()
  }
  for (const lastTestPort of [19_960, 22_299]) expect(lastTestPort).toBeLessThan(range.from)
})

it('refuses ports that reach into the ephemeral range, saying which', () => {
  const linux = { from: 32_768, to: 60_999 }
  expect(() => refuseEphemeralPorts(chaosPorts(32_600), linux)).toThrow(
    'ports 32601-32832 reach into the ephemeral range 32768-60999 ' +
      '(/proc/sys/net/ipv4/ip_local_port_range), where any outgoing connection may take one: ' +
      'take a base port of at most 32535',
  )
  expect(() => refuseEphemeralPorts(chaosPorts(61_000), linux)).not.toThrow()
})

it('names the port and its owner when a listen fails after the check (taken since)', () => {
  const taken = Object.assign(new Error('listen EADDRINUSE: address already in use'), {
    code: 'EADDRINUSE',
    syscall: 'listen',
    port: 22_205,
  })
  expect(String(asPortError(taken, chaosPorts(22_000)))).toBe(
    'ChaosPortError: port 22205 (link 6 of the mesh) is in use (EADDRINUSE)',
  )
  const other = new Error('something else')
  expect(asPortError(other, chaosPorts(22_000))).toBe(other)
})

/** The processes whose environment names `dir`: the run's nodes and replicas. */
function processesOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(dir)
      } catch {
        return false
      }
    })
    .map(Number)
}

it.each([
  { port: 22_001, owner: 'node-1' },
  { port: 22_102, owner: 'replica-2' },
  { port: 22_200, owner: 'link 1 of the mesh' },
])(
  'ends a run whose port $port ($owner) is taken with one line naming it, and no process left',
  { timeout: 60_000 },
  async ({ port, owner }) => {
    const occupant: Server = createServer((socket) => socket.destroy())
    await new Promise<void>((done, fail) => {
      occupant.once('error', fail)
      occupant.listen(port, '127.0.0.1', done)
    })
    const dir = join(mkdtempSync(join(tmpdir(), 'chaos-ports-')), 'run')
    try {
      const harness = spawn(
        process.execPath,
        ['--import', TSX, 'server/chaos/main.ts', '--base-port', '22000', '--dir', dir],
        { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stdout = ''
      let stderr = ''
      harness.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      harness.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      const code = await new Promise<number | null>((done) => harness.once('exit', done))
      expect(stderr.trim().split('\n'), `${stdout}\n${stderr}`).toEqual([
        `chaos: port ${port} (${owner}) is in use (EADDRINUSE)`,
      ])
      expect(code).toBe(2)
      expect(processesOf(dir)).toEqual([])
    } finally {
      await new Promise((done) => occupant.close(done))
    }
  },
)
