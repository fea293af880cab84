import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadReplicaConfig } from './config.ts'
import { testBlsKey, testGenesis, testRegistry } from './testing.ts'

/** The environment of a replica whose files exist, plus `extra`. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'replica-config-'))
  const blsSecretKey = `0x${Buffer.from(testBlsKey(1)).toString('hex')}`
  writeFileSync(join(dir, 'bls-key.json'), JSON.stringify({ blsSecretKey }))
  writeFileSync(join(dir, 'registry.json'), JSON.stringify(testRegistry(1, 15990)))
  writeFileSync(join(dir, 'genesis.json'), JSON.stringify(testGenesis))
  return {
    REPLICA_ID: 'replica-1',
    REPLICA_DATA_DIR: dir,
    REPLICA_REGISTRY_FILE: join(dir, 'registry.json'),
    REPLICA_GENESIS_FILE: join(dir, 'genesis.json'),
    ZELLULAR_NODES_FILE: join(dir, 'nodes.json'),
    ...extra,
  }
}

describe('loadReplicaConfig', () => {
  it('names every missing or wrong variable and file in one line', () => {
    expect(() => loadReplicaConfig({ REPLICA_PORT: 'http' })).toThrow(
      'environment: REPLICA_ID: required; REPLICA_PORT: ',
    )
    expect(() => loadReplicaConfig({ REPLICA_PORT: 'http' })).toThrow(
      /; REPLICA_DATA_DIR: required; REPLICA_REGISTRY_FILE: required; REPLICA_GENESIS_FILE: required$/,
    )
    const env = environment({})
    writeFileSync(env.REPLICA_GENESIS_FILE!, '{"balances": {')
    expect(() => loadReplicaConfig(env)).toThrow(
      `REPLICA_GENESIS_FILE ${env.REPLICA_GENESIS_FILE}: not JSON (`,
    )
    writeFileSync(env.REPLICA_REGISTRY_FILE!, '{"app": "x"}')
    expect(() => loadReplicaConfig(env)).toThrow(
      `REPLICA_REGISTRY_FILE ${env.REPLICA_REGISTRY_FILE}: network: required; quorum: required`,
    )
    const missingKey = environment({ REPLICA_KEY_FILE: '/nonexistent/bls-key.json' })
    expect(() => loadReplicaConfig(missingKey)).toThrow(
      'REPLICA_KEY_FILE /nonexistent/bls-key.json: cannot be read (ENOENT)',
    )
  })

  it('refuses a registry key without a valid proof of possession, naming the replica', () => {
    const env = environment({})
    const registry = testRegistry(2, 15990)
    const [first, second] = registry.replicas
    const swapped = { ...second!, blsProofOfPossession: first!.blsProofOfPossession }
    const file = env.REPLICA_REGISTRY_FILE!
    writeFileSync(file, JSON.stringify({ ...registry, replicas: [first, swapped] }))
    expect(() => loadReplicaConfig(env)).toThrow(
      `${file} lists replica-2 with a BLS key whose proof of possession does not verify`,
    )
    writeFileSync(file, JSON.stringify(registry))
    expect(loadReplicaConfig(env).registry).toEqual(registry)
  })

  it('reads REPLICA_DURABILITY, NORMAL by default', () => {
    expect(loadReplicaConfig(environment({})).parameters.durability).toBe('NORMAL')
    const full = loadReplicaConfig(environment({ REPLICA_DURABILITY: 'FULL' }))
    expect(full.parameters.durability).toBe('FULL')
    expect(full.warnings).toEqual([])
  })

  it('reads REPLICA_BATCH_ENCODING, compact by default, and refuses other forms', () => {
    expect(loadReplicaConfig(environment({})).parameters.batchEncoding).toBe('compact')
    const json = loadReplicaConfig(environment({ REPLICA_BATCH_ENCODING: 'json' }))
    expect(json.parameters.batchEncoding).toBe('json')
    expect(() => loadReplicaConfig(environment({ REPLICA_BATCH_ENCODING: 'cbor' }))).toThrow()
  })

  it('reads REPLICA_RATE_LIMITS, on by default, off for an applier behind API processes', () => {
    expect(loadReplicaConfig(environment({})).parameters.rateLimits).toBe(true)
    const off = loadReplicaConfig(environment({ REPLICA_RATE_LIMITS: 'off' }))
    expect(off.parameters.rateLimits).toBe(false)
    expect(() => loadReplicaConfig(environment({ REPLICA_RATE_LIMITS: 'false' }))).toThrow()
  })

  it('reads the signing budget, 100 a second in bursts of 100 by default', () => {
    const defaults = loadReplicaConfig(environment({})).parameters
    expect([defaults.signaturesPerSecond, defaults.signaturesBurst]).toEqual([100, 100])
    const set = environment({ REPLICA_SIGNATURES_PER_SECOND: '40', REPLICA_SIGNATURES_BURST: '80' })
    const { parameters } = loadReplicaConfig(set)
    expect([parameters.signaturesPerSecond, parameters.signaturesBurst]).toEqual([40, 80])
    expect(() => loadReplicaConfig(environment({ REPLICA_SIGNATURES_BURST: '0' }))).toThrow()
  })

  it('reads ZELLULAR_SOURCE_ADDRESS, an IP address, unset by default', () => {
    expect(loadReplicaConfig(environment({})).zellular.sourceAddress).toBeUndefined()
    const from = environment({ ZELLULAR_SOURCE_ADDRESS: '127.0.0.12' })
    expect(loadReplicaConfig(from).zellular.sourceAddress).toBe('127.0.0.12')
    const v6 = environment({ ZELLULAR_SOURCE_ADDRESS: '::1' })
    expect(loadReplicaConfig(v6).zellular.sourceAddress).toBe('::1')
    const host = environment({ ZELLULAR_SOURCE_ADDRESS: 'localhost' })
    expect(() => loadReplicaConfig(host)).toThrow()
  })

  it('reads REPLICA_CONNECTIONS_PER_CLIENT_MAX, 256 by default', () => {
    expect(loadReplicaConfig(environment({})).parameters.connectionsPerClientMax).toBe(256)
    const few = environment({ REPLICA_CONNECTIONS_PER_CLIENT_MAX: '16' })
    expect(loadReplicaConfig(few).parameters.connectionsPerClientMax).toBe(16)
    const zero = environment({ REPLICA_CONNECTIONS_PER_CLIENT_MAX: '0' })
    expect(() => loadReplicaConfig(zero)).toThrow()
  })

  it('reads REPLICA_EVENT_STREAMS_PER_CLIENT_MAX, 32 by default', () => {
    expect(loadReplicaConfig(environment({})).parameters.eventStreamsPerClientMax).toBe(32)
    const four = environment({ REPLICA_EVENT_STREAMS_PER_CLIENT_MAX: '4' })
    expect(loadReplicaConfig(four).parameters.eventStreamsPerClientMax).toBe(4)
    const zero = environment({ REPLICA_EVENT_STREAMS_PER_CLIENT_MAX: '0' })
    expect(() => loadReplicaConfig(zero)).toThrow()
  })

  it('reads ZELLULAR_QUICK_ANSWER_MS, 1.5 s by default, and refuses 0', () => {
    expect(loadReplicaConfig(environment({})).zellular.quickAnswerMs).toBe(1_500)
    const set = environment({ ZELLULAR_QUICK_ANSWER_MS: '700' })
    expect(loadReplicaConfig(set).zellular.quickAnswerMs).toBe(700)
    expect(() => loadReplicaConfig(environment({ ZELLULAR_QUICK_ANSWER_MS: '0' }))).toThrow(
      'ZELLULAR_QUICK_ANSWER_MS',
    )
  })

  it('still reads the old name REPLICA_SQLITE_SYNCHRONOUS, with a warning', () => {
    const old = loadReplicaConfig(environment({ REPLICA_SQLITE_SYNCHRONOUS: 'FULL' }))
    expect(old.parameters.durability).toBe('FULL')
    expect(old.warnings).toEqual([
      'REPLICA_SQLITE_SYNCHRONOUS is the old name of REPLICA_DURABILITY: rename it',
    ])
    expect(() =>
      loadReplicaConfig(
        environment({ REPLICA_SQLITE_SYNCHRONOUS: 'FULL', REPLICA_DURABILITY: 'NORMAL' }),
      ),
    ).toThrow(/contradicts REPLICA_DURABILITY=NORMAL/)
  })

  it('reads REPLICA_STATE_SYNC as the peers of the registry or URLs to ask, and refuses others', () => {
    expect(loadReplicaConfig(environment({})).stateSync).toBeUndefined()
    expect(loadReplicaConfig(environment({ REPLICA_STATE_SYNC: 'peers' })).stateSync).toEqual({})
    const urls = 'http://127.0.0.1:5001,http://127.0.0.1:5002'
    expect(loadReplicaConfig(environment({ REPLICA_STATE_SYNC: urls })).stateSync).toEqual({
      sources: ['http://127.0.0.1:5001', 'http://127.0.0.1:5002'],
    })
    for (const wrong of ['yes', 'http://127.0.0.1:5001/snapshot', 'ftp://x']) {
      expect(() => loadReplicaConfig(environment({ REPLICA_STATE_SYNC: wrong }))).toThrow()
    }
  })

  it('makes an API process of REPLICA_APPLIER_URL, which needs the database and no nodes', () => {
    const api = environment({
      REPLICA_APPLIER_URL: 'http://127.0.0.1:5101',
      REPLICA_DATABASE_URL: 'postgres://127.0.0.1:5432/replica',
      REPLICA_API_PROCESSES: '2',
      ZELLULAR_NODES_FILE: '',
    })
    delete api.ZELLULAR_NODES_FILE
    const config = loadReplicaConfig(api)
    expect(config).toMatchObject({ applierUrl: 'http://127.0.0.1:5101', apiProcesses: 2 })
    delete api.REPLICA_DATABASE_URL
    expect(() => loadReplicaConfig(api)).toThrow(/needs REPLICA_DATABASE_URL/)
    expect(() => loadReplicaConfig(environment({ REPLICA_API_PROCESSES: '2' }))).toThrow(
      /for API processes/,
    )
  })
})
