import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { devnetTokens, prepareBatch } from '../shared/exchange/index.ts'
import { signIntent, testAccount, testDomain } from '../shared/exchange/testing.ts'
import { createTokenRegistry, initKeccak } from '../shared/intents/index.ts'
import { ensureServerBuild, SERVER_ENTRIES } from './serverBuild.mjs'
import { spawnService } from './serviceProcesses.ts'

describe('the compiled server', () => {
  it('bundles every service into one directory named by the sources, with no TypeScript loader', () => {
    const directory = ensureServerBuild()
    expect(ensureServerBuild()).toBe(directory)
    expect(directory).toMatch(/\.build\/server-[0-9a-f]{16}$/)
    for (const bundle of Object.values(SERVER_ENTRIES)) {
      const code = readFileSync(join(directory, bundle), 'utf8')
      // Every import left in a bundle is an npm package or a Node.js built-in.
      const specifiers = [...code.matchAll(/^import .*?["']([^"']+)["'];?$/gm)].map((m) => m[1]!)
      expect(specifiers.filter((s) => s.startsWith('.') || s.startsWith('tsx'))).toEqual([])
    }
    expect(existsSync(join(directory, 'complete'))).toBe(true)
  })

  it('carries its packages but the native ones, with their WebAssembly decoded by Node.js', () => {
    const directory = ensureServerBuild()
    const external = new Set<string>()
    for (const bundle of Object.values(SERVER_ENTRIES)) {
      const code = readFileSync(join(directory, bundle), 'utf8')
      for (const [, specifier] of code.matchAll(/^import .*?["']([^"'.][^"']*)["'];?$/gm)) {
        if (!specifier!.startsWith('node:')) external.add(specifier!)
      }
      // herumi's and mcl's glue decode their inlined WebAssembly one character at a time.
      expect(code).not.toMatch(/Uint8Array\.from\(atob\(/)
    }
    // Loading viem, zod, hono and drizzle as separate modules was most of a service's start.
    expect([...external].sort()).toEqual(['better-sqlite3', 'pg'])
    const replica = readFileSync(join(directory, 'replica.mjs'), 'utf8')
    expect(replica.match(/new Uint8Array\(Buffer\.from\(wasmBase64, "base64"/g)).toHaveLength(2)
  })

  it('starts services from the bundle, with plain Node.js', async () => {
    const service = spawnService('server/replica/main.ts', {
      id: 'replica-unconfigured',
      url: 'http://127.0.0.1:0',
      // No configuration: the bundle loads and refuses to start, naming what is missing.
      environment: { REPLICA_ID: '' },
    })
    const output: string[] = []
    service.child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()))
    expect(await service.exited).not.toBe(0)
    expect(service.child.spawnargs.join(' ')).toContain(join(ensureServerBuild(), 'replica.mjs'))
    expect(service.child.spawnargs.join(' ')).not.toContain('tsx')
    expect(output.join('')).toMatch(/REPLICA_/)
  })

  it('passes SERVICE_NODE_FLAGS to Node.js, for flags NODE_OPTIONS refuses', async () => {
    const profiles = mkdtempSync(join(tmpdir(), 'service-flags-'))
    try {
      const service = spawnService('server/replica/main.ts', {
        id: 'replica-profiled',
        url: 'http://127.0.0.1:0',
        environment: {
          REPLICA_ID: '',
          SERVICE_NODE_FLAGS: `--cpu-prof --cpu-prof-dir=${profiles}`,
        },
      })
      expect(await service.exited).not.toBe(0)
      expect(readdirSync(profiles).filter((name) => name.endsWith('.cpuprofile'))).toHaveLength(1)
    } finally {
      rmSync(profiles, { recursive: true, force: true })
    }
  })

  it('runs the verifier thread compiled, preparing batches as inline preparation does', async () => {
    await initKeccak()
    const tokens = createTokenRegistry(devnetTokens)
    const alice = testAccount(1)
    const body = JSON.stringify([
      signIntent(alice, tokens, {
        action: 'transfer',
        nonce: '1',
        to: testAccount(2).address,
        token: 'USDT',
        amount: '1',
      }),
      { action: 'transfer' },
    ])
    const worker = new Worker(join(ensureServerBuild(), 'verifierThread.mjs'), {
      workerData: { tokens: devnetTokens, domain: testDomain },
    })
    try {
      const prepared = await new Promise((resolve, reject) => {
        worker.on('error', reject)
        worker.on('message', (message: { ready?: true; prepared?: unknown }) => {
          if (message.ready) worker.postMessage({ id: 1, body })
          else resolve(message.prepared)
        })
      })
      expect(prepared).toEqual(prepareBatch(body, { tokens, domain: testDomain }))
    } finally {
      await worker.terminate()
    }
  })
})
