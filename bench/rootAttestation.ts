import bls from '@chainsafe/bls/herumi'
import { loadavg } from 'node:os'
import {
  blsIdentityOf,
  createBlsVerifier,
  herumi,
  registryHashOf,
  signRootAttestation,
  verifyRootQuorum,
} from '../shared/attest/index.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'

/*
 * bench:root-attestation — what root attestations (`docs/state-commitment.md`) cost: one BLS
 * signature per state hash on a replica, and a client's check of a quorum of them
 * (`verifyRootQuorum`: one FastAggregateVerify of the statement they all signed), for
 * registries of 3 and 7 replicas. Each check uses a fresh verifier, so nothing is served from
 * its cache (the registry's proofs of possession are checked once per process, before the
 * first); then a check of 3 taken apart. CPU time
 * per operation (process.cpuUsage) beside wall time, since the machine may be shared.
 *
 *   npx tsx bench/rootAttestation.ts            # 200 signatures, 100 checks per registry
 *   npx tsx bench/rootAttestation.ts --smoke    # 10 and 3
 */

const smoke = process.argv.includes('--smoke')
const signCount = smoke ? 10 : 200
const checkCount = smoke ? 3 : 100

function registryOf(size: number) {
  const keys = Array.from({ length: size }, (_, i) => new Uint8Array(32).fill(i + 1))
  const registry = {
    app: 'zellular-orderbook',
    network: 'devnet',
    quorum: Math.ceil((2 * size) / 3),
    replicas: keys.map((key, i) => ({ id: `replica-${i + 1}`, ...blsIdentityOf(key) })),
  }
  return { keys, registry }
}

function rootAt(index: number, registryHash: string, replicaId: string) {
  return {
    app: 'zellular-orderbook',
    network: 'devnet',
    registryHash,
    replicaId,
    index,
    chainingHash: '06b05ab6733a618578af5f94892f3950',
    time: 1_800_000_000_000 + index,
    stateHash: `0x${index.toString(16).padStart(64, '0')}`,
  }
}

function timed<value>(run: () => value): { value: value; cpuUs: number; wallUs: number } {
  const cpu = process.cpuUsage()
  const wall = performance.now()
  const value = run()
  const used = process.cpuUsage(cpu)
  return { value, cpuUs: used.user + used.system, wallUs: (performance.now() - wall) * 1000 }
}

const summarize = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b)
  return `p50 ${(percentile(sorted, 50) / 1000).toFixed(2)} ms, p99 ${(percentile(sorted, 99) / 1000).toFixed(2)} ms`
}

const results: Record<string, string> = {}
{
  const { keys, registry } = registryOf(3)
  const registryHash = registryHashOf(registry)
  const cpu: number[] = []
  const wall: number[] = []
  for (let index = 1; index <= signCount; index++) {
    const run = timed(() => signRootAttestation(keys[0]!, rootAt(index, registryHash, 'replica-1')))
    cpu.push(run.cpuUs)
    wall.push(run.wallUs)
  }
  results.signCpu = summarize(cpu)
  results.signWall = summarize(wall)
}
for (const size of [3, 7]) {
  const { keys, registry } = registryOf(size)
  const registryHash = registryHashOf(registry)
  const cpu: number[] = []
  const wall: number[] = []
  for (let index = 1; index <= checkCount; index++) {
    const attestations = keys
      .slice(0, registry.quorum)
      .map((key, i) => signRootAttestation(key, rootAt(index, registryHash, `replica-${i + 1}`)))
    const verifier = createBlsVerifier(herumi)
    const run = timed(() => verifyRootQuorum({ registry, index, attestations, bls: verifier }))
    if (!run.value.ok) throw new Error(`quorum of ${size} refused: ${run.value.reason}`)
    cpu.push(run.cpuUs)
    wall.push(run.wallUs)
  }
  results[`verifyQuorum${registry.quorum}of${size}Cpu`] = summarize(cpu)
  results[`verifyQuorum${registry.quorum}of${size}Wall`] = summarize(wall)
}
{
  // Where a check of 3 signers goes, on herumi directly: decoding their signatures (each on the
  // curve only), adding them up and checking the sum's subgroup once, then FastAggregateVerify
  // of the one statement they signed (2 pairings), what `verifyRootQuorum` does; and, for
  // comparison, the aggregate verification over 3 distinct messages (4 pairings) that version
  // 1 of the attestation, which signed each replica's id, needed.
  const secretKeys = [1, 2, 3].map((i) => bls.SecretKey.fromBytes(new Uint8Array(32).fill(i)))
  const publicKeys = secretKeys.map((key) => {
    const parsed = new herumi.PublicKey()
    parsed.deserialize(key.toPublicKey().toBytes())
    return parsed
  })
  const parts = { decode: [] as number[], sum: [] as number[], same: [] as number[] }
  const distinct: number[] = []
  for (let round = 1; round <= checkCount; round++) {
    const messages = [1, 2, 3].map((i) => new Uint8Array(32).fill(i + 3 * round))
    const shared = messages[0]!
    const signed = secretKeys.map((key) => key.sign(shared).toBytes())
    // Each on the curve only, as `createBlsVerifier` decodes them (herumi's order check is a
    // global switch, turned back on whatever happens).
    const decoded = timed(() => {
      herumi.verifySignatureOrder(false)
      try {
        return signed.map((bytes) => {
          const signature = new herumi.Signature()
          signature.deserialize(bytes)
          return signature
        })
      } finally {
        herumi.verifySignatureOrder(true)
      }
    })
    const summed = timed(() => {
      const sum = new herumi.Signature()
      sum.aggregate(decoded.value)
      return sum.isValidOrder() ? sum : undefined
    })
    const same = timed(() => summed.value?.fastAggregateVerify(publicKeys, shared))
    const apart = bls.Signature.aggregate(secretKeys.map((key, i) => key.sign(messages[i]!)))
    const keys = secretKeys.map((key) => key.toPublicKey())
    const multiple = timed(() => apart.verifyMultiple(keys, messages))
    if (!same.value || !multiple.value) throw new Error('an aggregate of 3 did not verify')
    parts.decode.push(decoded.cpuUs)
    parts.sum.push(summed.cpuUs)
    parts.same.push(same.cpuUs)
    distinct.push(multiple.cpuUs)
  }
  results.decode3SignaturesCpu = summarize(parts.decode)
  results.sumAndSubgroupCheckCpu = summarize(parts.sum)
  results.fastAggregateVerify3Cpu = summarize(parts.same)
  results.aggregateVerify3MessagesCpu = summarize(distinct)
}
printSummary(
  'root-attestation',
  {
    signatures: signCount,
    checksPerRegistry: checkCount,
    backend: 'herumi (WebAssembly) in Node',
    loadAverage: loadavg()
      .map((load) => load.toFixed(1))
      .join(' '),
    ...environmentConfig(),
  },
  results,
)
