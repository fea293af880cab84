import bls from '@chainsafe/bls/herumi'
import { loadavg } from 'node:os'
import {
  blsIdentityOf,
  createBlsVerifier,
  registryHashOf,
  signRootAttestation,
  verifyRootQuorum,
} from '../shared/attest/index.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'

/*
 * bench:root-attestation — what root attestations (`docs/state-commitment.md`) cost: one BLS
 * signature per state hash on a replica, and a client's check of a quorum of them with one
 * aggregate verification (`verifyRootQuorum`), for registries of 3 and 7 replicas. Each check
 * uses a fresh verifier, so nothing is served from its cache; then a check of 3 taken apart
 * (decoding, aggregate verification of distinct messages and of one shared message). CPU time
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
    const verifier = createBlsVerifier(bls)
    const run = timed(() => verifyRootQuorum({ registry, index, attestations, bls: verifier }))
    if (!run.value.ok) throw new Error(`quorum of ${size} refused: ${run.value.reason}`)
    cpu.push(run.cpuUs)
    wall.push(run.wallUs)
  }
  results[`verifyQuorum${registry.quorum}of${size}Cpu`] = summarize(cpu)
  results[`verifyQuorum${registry.quorum}of${size}Wall`] = summarize(wall)
}
{
  // Where a check of 3 signers goes: decoding their signatures (herumi checks each on the curve
  // and in its subgroup), then the aggregate verification over 3 distinct messages (4
  // pairings), what `verifyRootQuorum` does; and, for comparison, over one message that all 3
  // signed (2 pairings), what one statement without the replica id would cost (with proofs of
  // possession of the registry keys, `docs/state-commitment.md`).
  const secretKeys = [1, 2, 3].map((i) => bls.SecretKey.fromBytes(new Uint8Array(32).fill(i)))
  const publicKeys = secretKeys.map((key) => key.toPublicKey())
  const decode = { cpu: [] as number[], distinct: [] as number[], same: [] as number[] }
  for (let round = 1; round <= checkCount; round++) {
    const messages = [1, 2, 3].map((i) => new Uint8Array(32).fill(i + 3 * round))
    const signed = secretKeys.map((key, i) => key.sign(messages[i]!).toBytes())
    const decoded = timed(() => signed.map((bytes) => bls.Signature.fromBytes(bytes)))
    decode.cpu.push(decoded.cpuUs)
    const aggregate = bls.Signature.aggregate(decoded.value)
    const distinct = timed(() => aggregate.verifyMultiple(publicKeys, messages))
    const shared = messages[0]!
    const one = bls.Signature.aggregate(secretKeys.map((key) => key.sign(shared)))
    const same = timed(() => one.verifyAggregate(publicKeys, shared))
    if (!distinct.value || !same.value) throw new Error('an aggregate of 3 did not verify')
    decode.distinct.push(distinct.cpuUs)
    decode.same.push(same.cpuUs)
  }
  results.decode3SignaturesCpu = summarize(decode.cpu)
  results.aggregateVerify3MessagesCpu = summarize(decode.distinct)
  results.aggregateVerify1MessageCpu = summarize(decode.same)
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
