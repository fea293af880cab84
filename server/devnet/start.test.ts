import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'
import { connectFrom } from '../zellular/testing.ts'
import { LauncherProcess } from './launcherProcess.ts'

const dir = mkdtempSync(join(tmpdir(), 'npm-start-'))
const launchers: LauncherProcess[] = []

/** Whether something accepts connections on 127.0.0.1:`port`. */
function isServing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
/**
 * The local addresses of this machine's established IPv4 TCP connections to `ports` on
 * 127.0.0.1, from `/proc/net/tcp` (hex, the address's bytes in reverse).
 */
function sourcesOfConnectionsTo(ports: readonly number[]): Set<string> {
  const sources = new Set<string>()
  for (const line of readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1)) {
    const [, local = '', remote = '', state] = line.trim().split(/\s+/)
    const [remoteAddress, remotePort = ''] = remote.split(':')
    if (state !== '01' || remoteAddress !== '0100007F') continue // ESTABLISHED, to 127.0.0.1
    if (!ports.includes(Number.parseInt(remotePort, 16))) continue
    const hex = local.split(':')[0]!
    sources.add([6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join('.'))
  }
  return sources
}

afterAll(() => {
  for (const launcher of launchers) launcher.killGroup()
  rmSync(dir, { recursive: true, force: true })
})

/** Every port of the network moved by this much: nodes 26001–26004, replicas 25001–25003. */
const portOffset = 20_000
/** What the launcher process sleeps before it runs, standing in for any work before the bundle. */
const preloadMs = 2_000

describe('npm start (server/start.mjs, the compiled launcher)', () => {
  it('brings the system up where asked, reports the time from its own start, and stops', async () => {
    const preload = join(dir, 'sleep.mjs')
    writeFileSync(
      preload,
      `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${preloadMs})\n`,
    )
    const arguments_ = [`--data-dir=${join(dir, 'devnet')}`, `--port-offset=${portOffset}`]
    const spawnedAt = performance.now()
    const launcher = new LauncherProcess(
      [...arguments_, '--no-market-maker'],
      ['--import', preload],
    )
    launchers.push(launcher)
    const ready = { seconds: await launcher.ready(), atMs: performance.now() - spawnedAt }

    const webUrl = `http://127.0.0.1:${8000 + portOffset}`
    expect(launcher.output).toContain(`Open ${webUrl}`)
    expect(launcher.output).toContain(`replica-1        http://127.0.0.1:${5001 + portOffset}`)
    expect(launcher.output).toContain(`zellular node-4  http://127.0.0.1:${6004 + portOffset}`)
    const page = await fetch(webUrl)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">')
    const registry = (await (await fetch(`${webUrl}/registry.json`)).json()) as {
      replicas: { url: string }[]
    }
    expect(registry.replicas.map((replica) => replica.url)).toEqual(
      [1, 2, 3].map((n) => `http://127.0.0.1:${5000 + n + portOffset}`),
    )
    const status = await fetch(`${registry.replicas[0]!.url}/status`)
    expect(status.status).toBe(200)
    // Each replica reads and posts to the nodes from its own loopback address: the nodes share
    // their intake per client address, and these are three clients.
    const nodePorts = [1, 2, 3, 4].map((n) => 6000 + n + portOffset)
    await expect
      .poll(() => [...sourcesOfConnectionsTo(nodePorts)].filter((a) => a !== '127.0.0.1').sort())
      .toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13'])
    // A replica holds at most 256 connections of one client address; another still gets in.
    const replicaUrl = registry.replicas[0]!.url
    const held = await Promise.all(
      Array.from({ length: 256 }, () => connectFrom('127.0.0.3', replicaUrl)),
    )
    try {
      expect(held.filter((socket) => socket === 'closed')).toEqual([])
      expect(await connectFrom('127.0.0.3', replicaUrl)).toBe('closed')
      expect((await fetch(`${replicaUrl}/status`)).status).toBe(200)
    } finally {
      for (const socket of held) if (socket !== 'closed') socket.destroy()
    }
    // Counted from the process's start: the sleep before the launcher ran is in it, and what
    // the test waited beyond it is only Node.js starting and the line reaching the pipe.
    expect(ready.seconds).toBeGreaterThanOrEqual(preloadMs / 1000)
    expect(ready.atMs / 1000 - ready.seconds).toBeLessThan(1)

    launcher.child.kill('SIGINT')
    expect((await launcher.exited).code).toBe(0)
    await expect(fetch(`${registry.replicas[0]!.url}/status`)).rejects.toThrow()
  }, 120_000)

  it('stops every service when a signal comes while it starts, leaving none running', async () => {
    const offset = portOffset + 100
    const launcher = new LauncherProcess([
      `--data-dir=${join(dir, 'interrupted')}`,
      `--port-offset=${offset}`,
      '--no-market-maker',
    ])
    launchers.push(launcher)
    // Interrupted when the first node serves: every service is spawned, none is ready yet.
    await launcher.waitFor(/listening on http:\/\//)
    launcher.child.kill('SIGINT')
    expect(await launcher.exited).toEqual({ code: 0, signal: null })
    expect(launcher.output).not.toContain('ready in')
    const ports = [
      ...[1, 2, 3, 4].map((n) => 6000 + n + offset),
      ...[1, 2, 3].map((n) => 5000 + n + offset),
    ]
    expect(await Promise.all(ports.map(isServing))).toEqual(ports.map(() => false))
  }, 120_000)

  it('refuses an option it does not know, and starts nothing', () => {
    const run = spawnSync(
      process.execPath,
      ['server/start.mjs', `--data-dir=${join(dir, 'unused')}`, '--no-market-makers'],
      { cwd: REPOSITORY_ROOT, encoding: 'utf8', timeout: 60_000 },
    )
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('npm start: not an option: --no-market-makers')
    expect(run.stdout).not.toContain('ready in')
    const offset = spawnSync(process.execPath, ['server/start.mjs', '--port-offset=-5'], {
      cwd: REPOSITORY_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(offset.status).toBe(2)
    expect(offset.stderr).toContain('--port-offset takes a whole number from 0 to 50000, not -5')
  }, 120_000)
})
