import { balanceLeaf, orderLeaf, nonceWindowLeaf } from '../shared/exchange/index.ts'
import {
  bucketOf,
  buildStateProof,
  encodeStateProof,
  hashLeaf,
  initSha256,
  StateTree,
  verifyStateProof,
} from '../shared/stateHash/index.ts'
import { loadavg } from 'node:os'
import { environmentConfig, percentile, printSummary } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

/*
 * bench:state-proof — what a state proof (`docs/state-commitment.md`) costs at a given state
 * size: bytes on the wire for a balance that is present (a presence proof) and for a zero
 * balance (an absence proof: the whole bucket's leaves), and the CPU time to build and to verify
 * one. The tree holds `keys` leaves shaped like the replica's (balances of two tokens, nonce
 * windows, open orders) with realistic values; keys are derived from their number (seeded, no
 * randomness), so every run builds the same tree and prints the same root.
 *
 * Then the root's update cost at that size: `--root-rounds` rounds each change `--changed` keys
 * (by default 15,800, what a second of phase A of bench:replica changes) chosen by a seeded
 * generator, as a replica does between two roots: each leaf hashed as storage does at commit
 * (`hashLeaf`), set in the tree, then one `root()`; CPU per changed key.
 *
 *   npx tsx bench/stateProof.ts               # 1,000,000 keys, 2,000 proofs of each kind
 *   npx tsx bench/stateProof.ts --smoke       # 20,000 keys, 200 proofs
 */

const args = new BenchArguments(process.argv.slice(2))
const smoke = args.smoke
const keyCount = args.number('keys', smoke ? 20_000 : 1_000_000, { integer: true, min: 1 })
const proofCount = args.number('proofs', smoke ? 200 : 2_000, { integer: true })
const rootRounds = args.number('root-rounds', smoke ? 2 : 12, { integer: true })
const changedPerRound = args.number('changed', smoke ? 500 : 15_800, { integer: true })
args.finish()

/** A deterministic 20-byte address of account `n`. */
const address = (n: number) => `0x${(n * 2654435761 + 0x1234567).toString(16).padStart(40, '9')}`
const orderId = (n: number) => `0x${(n * 40503 + 7).toString(16).padStart(64, '0')}`

/** Leaves shaped like a replica's: for every 10 keys, 5 balances, 3 nonce windows, 2 orders. */
function leafOf(n: number): readonly [string, string | undefined] {
  const account = Math.floor(n / 10)
  const slot = n % 10
  if (slot < 5) {
    const token = slot % 2 === 0 ? 'USDT' : 'ETH'
    const owner = address(account * 3 + Math.floor(slot / 2))
    return balanceLeaf(owner, token, { available: BigInt(n) * 1_000_003n, locked: BigInt(n % 7) })
  }
  if (slot < 8) {
    const kept = [0, 1, 2, 3].map((i) => 1_800_000_000_000n + BigInt(n * 10 + i))
    return nonceWindowLeaf(address(account * 3 + slot - 5), kept)
  }
  const order = {
    orderId: orderId(n),
    market: 'ETH/USDT',
    owner: address(account * 3),
    side: slot === 8 ? ('buy' as const) : ('sell' as const),
    orderType: 'limit' as const,
    price: 199_000 + (n % 2000),
    lots: 10 + (n % 90),
    originalLots: 100,
  }
  return orderLeaf(order.orderId, order, { placedIndex: n, placedPosition: n % 40 })
}

/**
 * Mean and median of per-proof CPU times (µs): the mean takes in any garbage collection of the
 * 1M-key heap that falls into a proof's measurement, the median the proof's own cost.
 */
function meanAndMedian(times: number[]): string {
  const mean = times.reduce((sum, time) => sum + time, 0) / times.length
  const sorted = times.slice().sort((a, b) => a - b)
  return `mean ${mean.toFixed(1)}, p50 ${percentile(sorted, 50).toFixed(1)}`
}

/**
 * CPU per changed key of bringing the root up to date, `rootRounds` times `changedPerRound`
 * keys (a seeded linear congruential generator picks them; each gets another value).
 */
function measureRootUpdates(tree: StateTree): string {
  let seed = 12_345
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
  const perKey: number[] = []
  for (let round = 0; round < rootRounds; round++) {
    const changes: (readonly [string, string])[] = []
    for (let i = 0; i < changedPerRound; i++) {
      const [key, value] = leafOf(Math.floor(next() * keyCount))
      if (value !== undefined) changes.push([key, `${value.slice(0, -1)}${round % 10}`])
    }
    const started = process.cpuUsage()
    for (const [key, value] of changes) hashLeaf(key, value)
    for (const [key, value] of changes) tree.set(key, value)
    tree.root()
    perKey.push(elapsedUs(started) / changes.length)
  }
  return meanAndMedian(perKey)
}

async function main() {
  await initSha256()
  const tree = new StateTree()
  const values = new Map<string, string>()
  const buildStarted = performance.now()
  for (let n = 0; n < keyCount; n++) {
    const [key, value] = leafOf(n)
    tree.set(key, value)
    if (value !== undefined) values.set(key, value)
  }
  const root = tree.root()
  const buildMs = performance.now() - buildStarted

  const measure = (keys: readonly string[]) => {
    const sizes: number[] = []
    const leafCounts: number[] = []
    const buildCpu: number[] = []
    const verifyCpu: number[] = []
    for (const key of keys) {
      const value = values.get(key)
      let started = process.cpuUsage()
      const proof = buildStateProof(tree.proof(key), key, value, (other) => values.get(other))!
      const bytes = encodeStateProof(proof)
      buildCpu.push(elapsedUs(started))
      started = process.cpuUsage()
      const verdict = verifyStateProof({ key, value, proof, root })
      verifyCpu.push(elapsedUs(started))
      if (!verdict.ok) throw new Error(`proof of ${key} does not verify: ${verdict.reason}`)
      sizes.push(bytes.length)
      leafCounts.push(
        proof.leaves.kind === 'present'
          ? proof.leaves.others.length + 1
          : proof.leaves.entries.length,
      )
    }
    sizes.sort((a, b) => a - b)
    leafCounts.sort((a, b) => a - b)
    const mean = sizes.reduce((sum, size) => sum + size, 0) / sizes.length
    return {
      bytes: `mean ${mean.toFixed(0)}, p50 ${percentile(sizes, 50)}, p99 ${percentile(sizes, 99)}, max ${sizes.at(-1)}`,
      bucketLeaves: `p50 ${percentile(leafCounts, 50)}, p99 ${percentile(leafCounts, 99)}`,
      underOneKb: `${((100 * sizes.filter((size) => size <= 1024).length) / sizes.length).toFixed(1)} %`,
      buildCpuUs: meanAndMedian(buildCpu),
      verifyCpuUs: meanAndMedian(verifyCpu),
    }
  }
  // Present: every 10th key's balance slots (0..4), spread over the whole tree.
  const present: string[] = []
  for (let i = 0; present.length < proofCount; i++) {
    const n = Math.floor((i * 7919) % keyCount)
    if (n % 10 < 5) present.push(leafOf(n)[0])
  }
  // Absent: balances of addresses that hold nothing (a zero balance has no leaf).
  const absent = Array.from(
    { length: proofCount },
    (_, i) => balanceLeaf(address(10_000_000 + i), 'USDT', { available: 0n, locked: 0n })[0],
  )
  if (absent.some((key) => values.has(key))) throw new Error('an absent key is present')
  const presentResult = measure(present)
  const absentResult = measure(absent)
  const buckets = new Set(present.map((key) => bucketOf(new TextEncoder().encode(key)))).size
  const rootCpu = measureRootUpdates(tree)
  printSummary(
    `state-proof-${keyCount}`,
    {
      keys: keyCount,
      proofsOfEachKind: proofCount,
      distinctBucketsProven: buckets,
      loadAverage: loadavg()
        .map((load) => load.toFixed(1))
        .join(' '),
      ...environmentConfig(),
    },
    {
      treeBuildS: (buildMs / 1000).toFixed(1),
      root: Buffer.from(root).toString('hex'),
      presentProofBytes: presentResult.bytes,
      presentBucketLeaves: presentResult.bucketLeaves,
      presentUnderOneKb: presentResult.underOneKb,
      presentBuildCpuUsPerProof: presentResult.buildCpuUs,
      presentVerifyCpuUsPerProof: presentResult.verifyCpuUs,
      absentProofBytes: absentResult.bytes,
      absentBucketLeaves: absentResult.bucketLeaves,
      absentUnderOneKb: absentResult.underOneKb,
      absentBuildCpuUsPerProof: absentResult.buildCpuUs,
      absentVerifyCpuUsPerProof: absentResult.verifyCpuUs,
      rootCpuUsPerChangedKey: rootCpu,
    },
  )
}

function elapsedUs(started: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(started)
  return user + system
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
