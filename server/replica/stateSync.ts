import { getHeapStatistics } from 'node:v8'
import type { StateSnapshot } from '../../shared/api/index.ts'
import type { BlsVerifier } from '../../shared/attest/index.ts'
import { gatherRoot } from '../verify/quorumRoot.ts'
import { parsePeerSnapshot } from './parsePeerSnapshot.ts'
import { ReplicaState, StateSyncError, type StateConfig } from './replicaState.ts'
import type { ReplicaStorage } from './store/replicaStorage.ts'

/** Largest snapshot body read, in bytes (V8's longest string is about this). */
const snapshotBytesMax = 512 * 1024 * 1024

export interface StateSyncParameters {
  readonly storage: ReplicaStorage
  /** Its registry is the trust root: whose root attestations make a quorum, and where. */
  readonly config: StateConfig
  /** This replica's id: it is not asked for a snapshot. */
  readonly replicaId: string
  /** Ask these URLs for a snapshot, in turn (default: every other registry replica). */
  readonly sources?: readonly string[] | undefined
  readonly bls: BlsVerifier
  readonly fetch?: typeof fetch
  /** Rounds over the sources before giving up. */
  readonly rounds?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly log: (line: string) => void
}

/**
 * State sync (CometBFT's is the model): a new or wiped replica starts from a peer's snapshot
 * (`GET /snapshot`) instead of replaying Zellular from index 0. No peer is trusted: the snapshot
 * is accepted only when the state rebuilt from it has the state hash, chaining hash and time that
 * a quorum of the registry's replicas signed at its index (`gatherRoot`: the source's root
 * certificate if it verifies, else every replica's attestation judged by `judgeRootAnswers`);
 * then it is written into the database (`ReplicaState.openFromSnapshot`). A source whose
 * snapshot does not match is named in the log and the next one is asked; while no quorum has
 * signed the snapshot's index yet (peers hash at root checkpoints), it is asked again a second
 * later. The replica then follows Zellular from the snapshot's index + 1 like any restarted
 * replica.
 */
export async function syncState(parameters: StateSyncParameters): Promise<ReplicaState> {
  const { log } = parameters
  const { registry } = parameters.config
  const sources =
    parameters.sources ??
    registry.replicas
      .filter((replica) => replica.id !== parameters.replicaId)
      .map((replica) => replica.url)
  const rounds = parameters.rounds ?? 30
  const sleep =
    parameters.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const doFetch = parameters.fetch ?? globalThis.fetch
  const problems: string[] = []
  /** Sources whose snapshot was refused unparsed: not asked again in this sync. */
  const refused = new Set<string>()
  for (let round = 1; round <= rounds; round++) {
    for (const url of sources) {
      if (refused.has(url)) continue
      const fetched = await fetchSnapshot(doFetch, url)
      if (typeof fetched === 'string') {
        problems.push(`${url}: ${fetched}`)
        continue
      }
      if ('refused' in fetched) {
        refused.add(url)
        problems.push(`${url}: ${fetched.refused}`)
        log(`state sync: refused ${url}'s snapshot unparsed: ${fetched.refused}; not asked again`)
        continue
      }
      const { snapshot } = fetched
      const quorum = await gatherRoot(
        { registry, bls: parameters.bls, fetch: doFetch },
        snapshot.index,
        url,
      )
      if (!quorum.ok) {
        problems.push(`${url}: index ${snapshot.index}: ${quorum.problem}`)
        continue
      }
      try {
        const state = await ReplicaState.openFromSnapshot(
          parameters.storage,
          parameters.config,
          snapshot,
          quorum.root,
        )
        const signers = quorum.signers.join(', ')
        log(`state sync: installed ${snapshot.replicaId}'s snapshot of index ${snapshot.index}`)
        log(`state sync: its state hash is the root ${signers} signed; following from there`)
        return state
      } catch (error) {
        if (!(error instanceof StateSyncError)) throw error
        log(
          `state sync: ${url} (${snapshot.replicaId}) served a refused snapshot: ${error.message}`,
        )
        problems.push(`${url}: ${error.message}`)
      }
    }
    if (sources.every((url) => refused.has(url))) break
    if (round < rounds) await sleep(1_000)
  }
  throw new StateSyncError(
    `no snapshot matched a quorum root; last: ${problems.slice(-3).join('; ')}`,
  )
}

/**
 * A peer's snapshot, parsed and checked; or why it was refused unparsed (the peer lied, or its
 * state is more than this process can hold: asking again would not help); or what failed.
 */
async function fetchSnapshot(
  doFetch: typeof fetch,
  url: string,
): Promise<{ snapshot: StateSnapshot } | { refused: string } | string> {
  try {
    const response = await doFetch(`${url}/snapshot`, { signal: AbortSignal.timeout(120_000) })
    if (!response.ok) return `answered ${response.status}`
    const budgetBytes = snapshotBudgetBytes()
    const bytesMax = Math.min(snapshotBytesMax, budgetBytes)
    const body = await boundedBody(response, bytesMax)
    if (body === undefined) return { refused: `over ${bytesMax} bytes` }
    return parsePeerSnapshot(body, budgetBytes)
  } catch (error) {
    return error instanceof Error ? error.message : 'failed'
  }
}

/**
 * The heap a snapshot's text and its parse may take (`parsePeerSnapshot`): a quarter of what this
 * process's heap may still grow by, since the checked copy and the state rebuilt from it take
 * about as much again each. A snapshot over it is one this replica could not hold anyway; run it
 * with a larger heap (`NODE_OPTIONS=--max-old-space-size=…`) to sync from a larger state.
 */
function snapshotBudgetBytes(): number {
  const { heap_size_limit: limit, used_heap_size: used } = getHeapStatistics()
  return Math.floor(Math.max(0, limit - used) / 4)
}

/** The body, or undefined (and the rest not read) once it passes `bytesMax`. */
async function boundedBody(response: Response, bytesMax: number): Promise<Buffer | undefined> {
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > bytesMax || response.body === null) {
    await response.body?.cancel()
    return declared > bytesMax ? undefined : Buffer.alloc(0)
  }
  const chunks: Uint8Array[] = []
  let bytes = 0
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.byteLength
    if (bytes > bytesMax) {
      await reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}
