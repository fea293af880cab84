import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { bls, initZellular, Network, type NodesFile } from '../../shared/zellular/index.ts'
import { nodeConfigSchema } from './config.ts'
import { createLogger } from './logger.ts'
import { ZellularNode } from './node.ts'
import { INACTIVE_AFTER_MS, isAbandoned } from './synchronizer.ts'

beforeAll(() => initZellular())

function makeSequencer() {
  const secrets = [11n, 22n, 33n, 44n].map((value) => bls.secretKeyFromBigInt(value))
  const ids = ['0x01', '0x02', '0x03', '0x04'].map((prefix) => prefix.padEnd(42, '0'))
  const nodes: NodesFile = {}
  secrets.forEach((secret, i) => {
    const key = bls.g2ToNodesFile(bls.publicKeyOf(secret))
    nodes[ids[i]!] = {
      id: ids[i]!,
      address: ids[i]!,
      socket: `http://127.0.0.1:${1 + i}`,
      stake: 10,
      pubkeyG2_X: [...key.pubkeyG2_X],
      pubkeyG2_Y: [...key.pubkeyG2_Y],
    }
  })
  const config = nodeConfigSchema.parse({
    nodesFile: 'unused',
    keyFile: 'unused',
    dataDir: mkdtempSync(join(tmpdir(), 'zellular-sync-')),
    thresholdPercent: 67,
  })
  const log = createLogger('test', { write: () => true } as unknown as NodeJS.WritableStream)
  const node = new ZellularNode(config, new Network(nodes, 67), secrets[0]!, ids[0]!, ['a'], log)
  return { node, ids }
}

const report = (updatedAt: number) => ({
  sequencedIndex: 0,
  sequencedChainingHash: '',
  lockedIndex: 0,
  lockedChainingHash: '',
  finalizedIndex: 0,
  updatedAt,
})

it('a sequencer whose peers stopped posting knows it was left behind', () => {
  const { node, ids } = makeSequencer()
  expect(node.isSequencer).toBe(true)
  const now = 1_000_000
  expect(isAbandoned(node, now)).toBe(false) // never heard from anyone: just started
  const reports = node.reports.get('a')!
  for (const id of ids.slice(1)) reports.set(id, report(now - 100))
  expect(isAbandoned(node, now)).toBe(false)
  // One silent peer (25 % of stake) is an outage, not a switch.
  reports.set(ids[1]!, report(now - INACTIVE_AFTER_MS - 1))
  expect(isAbandoned(node, now)).toBe(false)
  // Three silent peers hold 75 % ≥ 67 %.
  for (const id of ids.slice(1)) reports.set(id, report(now - INACTIVE_AFTER_MS - 1))
  expect(isAbandoned(node, now)).toBe(true)
  node.close()
})
