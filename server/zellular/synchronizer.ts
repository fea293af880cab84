import { bls, syncPointMessage, type SignedState } from '../../shared/zellular/index.ts'
import type { NodeReport, ZellularNode } from './node.ts'

interface SyncPointCandidate {
  readonly index: number
  readonly chainingHash: string
  readonly party: readonly string[]
}

/**
 * The sequencer loop (zsequencer `sequencer/tasks.py sync_app`, §8.4): per app, find the highest
 * index a threshold of stake has sequenced and lock it; find the highest index a threshold has
 * locked and finalize it. As in zsequencer v0.1.7 a new lock waits for the previous one to be
 * finalized.
 */
export async function synchronize(node: ZellularNode): Promise<void> {
  if (!node.isSequencer || node.paused) return
  if (isAbandoned(node)) {
    node.onAbandoned?.()
    return
  }
  if (node.hooks.stopFinalizing) return
  for (const app of node.logs.keys()) {
    await synchronizeApp(node, app)
    if (!node.isSequencer || node.paused) return
  }
}

async function synchronizeApp(node: ZellularNode, app: string): Promise<void> {
  const log = node.appLog(app)
  if (node.config.pipelineLocks || log.lastLocked === log.lastFinalized) {
    await syncTo(node, app, 'sequenced')
  }
  await syncTo(node, app, 'locked')
}

/**
 * Locks (`sequenced`) or finalizes (`locked`) the highest point a threshold can sign. Peers that
 * claimed the point and did not sign it are suspected, and a point the others can complete
 * without them is tried at once, so one withholding peer costs a round trip, not a halt.
 */
async function syncTo(node: ZellularNode, app: string, state: SignedState): Promise<void> {
  const now = Date.now()
  const trusted = findSyncPoint(node, app, state, (id) => !node.suspicion.isSuspected(id, now))
  const point = trusted ?? findSyncPoint(node, app, state, () => true)
  if (!point) return
  const unsigned = await signAndApply(node, app, state, point)
  if (unsigned.length === 0) return
  node.suspicion.suspect(unsigned, Date.now())
  const fallback = findSyncPoint(node, app, state, (id) => !unsigned.includes(id))
  if (fallback && node.isSequencer && !node.paused) await signAndApply(node, app, state, fallback)
}

/**
 * The highest index that peers holding, with the sequencer, a threshold of stake report having
 * reached in `state` (sequenced for locks, locked for finalizations). The index and chaining
 * hash come from the sequencer's own log: a report counts only if it names an index this log
 * has reached, with this log's chaining hash there (chaining hashes commit to the whole prefix).
 * zsequencer v0.1.7 takes the hash from a peer's report, so one peer's bogus hash makes every
 * honest node refuse to sign, round after round.
 */
export function findSyncPoint(
  node: ZellularNode,
  app: string,
  state: SignedState,
  counts: (id: string) => boolean,
): SyncPointCandidate | null {
  const reports = node.reports.get(app)!
  const floor = (state === 'sequenced' ? node.lastLockPoint : node.lastFinalizationPoint).get(app)
  const log = node.appLog(app)
  const own = state === 'sequenced' ? log.lastSequenced : log.lastLocked
  const reached = (report: NodeReport) =>
    state === 'sequenced' ? report.sequencedIndex : report.lockedIndex
  const agrees = (report: NodeReport) => {
    const index = reached(report)
    const hash = state === 'sequenced' ? report.sequencedChainingHash : report.lockedChainingHash
    return index <= own && hash === log.chainingHashAt(index)
  }
  // A node signs only on top of its own last finalized index, so a lock can only gather nodes
  // that already know the latest finalization; asking the others wastes a round.
  const candidates = [...reports.entries()]
    .filter(([id, report]) => isAttesting(node, id) && counts(id) && agrees(report))
    .filter(([, report]) => reached(report) > (floor ?? 0))
    .filter(([, report]) => state === 'locked' || report.finalizedIndex === log.lastFinalized)
    .filter(
      ([, report]) =>
        reached(report) > log.lastIndex(state === 'sequenced' ? 'locked' : 'finalized'),
    )
    .sort(([, a], [, b]) => reached(b) - reached(a))
  for (const [, candidate] of candidates) {
    const index = reached(candidate)
    const party = candidates.filter(([, report]) => reached(report) >= index).map(([id]) => id)
    if (node.network.stakePercent([...party, node.id]) >= node.network.thresholdPercent) {
      return { index, chainingHash: log.chainingHashAt(index), party }
    }
  }
  return null
}

/** Peers that reported before and then fell silent this long count as gone (zsequencer: 10 s). */
export const INACTIVE_AFTER_MS = 10_000

/**
 * zsequencer's `detect_and_reset_sequencer_on_failover` (§8.7): when peers holding a threshold of
 * stake have stopped posting, they have most likely moved to another sequencer without us.
 */
export function isAbandoned(node: ZellularNode, now = Date.now()): boolean {
  const lastSeen = new Map<string, number>()
  for (const reports of node.reports.values()) {
    for (const [id, report] of reports) {
      lastSeen.set(id, Math.max(lastSeen.get(id) ?? 0, report.updatedAt))
    }
  }
  if (lastSeen.size === 0) return false
  const inactive = node.network
    .attesting()
    .filter((operator) => operator.id !== node.id)
    .filter((operator) => now - (lastSeen.get(operator.id) ?? 0) > INACTIVE_AFTER_MS)
    .map((operator) => operator.id)
  return node.network.stakePercent(inactive) >= node.network.thresholdPercent
}

function isAttesting(node: ZellularNode, id: string): boolean {
  return (node.network.operator(id)?.stake ?? 0) > 0
}

/** Gathers signatures for `point` and applies the proof; returns the party members that did not
 * sign when no threshold was reached. */
async function signAndApply(
  node: ZellularNode,
  app: string,
  state: SignedState,
  point: SyncPointCandidate,
): Promise<string[]> {
  const log = node.appLog(app)
  const request = {
    app_name: app,
    state,
    index: point.index,
    chaining_hash: point.chainingHash,
    parent_index: log.lastFinalized,
    timestamp: state === 'locked' ? Math.floor(Date.now() / 1000) : 0,
  }
  const gathered = await gatherSignatures(node, request, point.party)
  if (!gathered.ok) return gathered.unsigned
  const record = { ...request, ...gathered.aggregate, tag: 0 }
  const refusal = node.promote(app, record, true)
  if (refusal) {
    node.log.warn(
      `own ${state === 'locked' ? 'finalization' : 'lock'} ${point.index} refused: ${refusal}`,
    )
    return []
  }
  const memory = state === 'sequenced' ? node.lastLockPoint : node.lastFinalizationPoint
  memory.set(app, point.index)
  return []
}

export type Gathered =
  | { readonly ok: true; readonly aggregate: { signature: string; nonsigners: string[] } }
  | { readonly ok: false; readonly unsigned: string[] }

/**
 * zsequencer's `gather_and_aggregate_signatures`: ask the party to sign concurrently, stop once
 * own + collected stake reaches the threshold, give up after the aggregation timeout. Answers
 * are checked together: one verification of their aggregate under the sum of their keys instead
 * of one pairing check per answer (the sequencer's main cost). Only when that fails is each
 * answer verified on its own, and the bad ones dropped.
 */
export async function gatherSignatures(
  node: ZellularNode,
  request: Parameters<typeof syncPointMessage>[0],
  party: readonly string[],
): Promise<Gathered> {
  const message = syncPointMessage(request)
  const signatures = new Map<string, bls.G1>()
  const ownStake = node.network.operator(node.id)?.stake ?? 0
  if (ownStake > 0) signatures.set(node.id, bls.sign(node.secretKey, message))
  const enough = () => node.network.stakePercent(signatures.keys()) >= node.network.thresholdPercent
  // After an aggregate fails, every answer (those held and those still to come) is verified alone.
  let verifyEach = false
  // A peer whose answer fails alone is suspected, so the next rounds do not ask it: a forger
  // would otherwise cost every round the individual checks of all answers.
  const verifiesAlone = (id: string, signature: bls.G1) => {
    const operator = node.network.operator(id)
    const valid = operator !== undefined && bls.verify(signature, operator.publicKey, message)
    if (!valid) node.suspicion.suspect([id], Date.now())
    return valid
  }
  /** Enough valid stake is held; drops bad answers if the aggregate does not verify. */
  const settled = () => {
    if (!enough()) return false
    if (verifyEach || verifiesTogether(node, signatures, message)) return true
    verifyEach = true
    for (const [id, signature] of signatures) {
      if (id !== node.id && !verifiesAlone(id, signature)) signatures.delete(id)
    }
    return enough()
  }
  const controller = new AbortController()
  const deadline = setTimeout(() => controller.abort(), node.config.aggregationTimeoutMs)

  // Set the moment the outcome is known: an answer arriving after it must not join the aggregate
  // unverified (it did, between the resolve and the code after the await).
  let finished = false
  const gathered = await new Promise<boolean>((resolve) => {
    const finish = (outcome: boolean) => {
      finished = true
      resolve(outcome)
    }
    let pending = party.length
    if (settled()) return finish(true)
    if (pending === 0) return finish(false)
    controller.signal.addEventListener('abort', () => finish(false))
    for (const id of party) {
      void askToSign(node, id, request, message).then(
        (signature) => {
          if (finished) return
          if (signature && (!verifyEach || verifiesAlone(id, signature))) {
            signatures.set(id, signature)
          }
          pending -= 1
          if (settled()) finish(true)
          else if (pending === 0) finish(false)
        },
        (error: unknown) => node.log.warn(`signature of ${id} not counted: ${String(error)}`),
      )
    }
  })
  clearTimeout(deadline)
  controller.abort()
  if (!gathered) return { ok: false, unsigned: party.filter((id) => !signatures.has(id)) }
  const nonsigners = node.network
    .attesting()
    .map((operator) => operator.id)
    .filter((id) => !signatures.has(id))
  const aggregate = bls.aggregateSignatures([...signatures.values()])
  return { ok: true, aggregate: { signature: bls.formatPoint(aggregate), nonsigners } }
}

async function askToSign(
  node: ZellularNode,
  id: string,
  request: object,
  message: string,
): Promise<bls.G1 | null> {
  const operator = node.network.operator(id)
  if (!operator) return null
  try {
    const path = '/node/sign_sync_point'
    const timeoutMs = node.config.aggregationTimeoutMs
    const response = await node.peers.send('POST', operator, path, request, timeoutMs)
    const signature = (response.body as { data?: { signature?: unknown } } | null)?.data?.signature
    if (response.status !== 200 || typeof signature !== 'string') return null
    // Only parsed here (a point on the curve); `gatherSignatures` verifies the answers together.
    return bls.parseG1(signature)
  } catch {
    return null
  }
}

/** Whether the signatures' aggregate verifies under the aggregate of their signers' keys. */
function verifiesTogether(
  node: ZellularNode,
  signatures: ReadonlyMap<string, bls.G1>,
  message: string,
): boolean {
  const keys: bls.G2[] = []
  for (const id of signatures.keys()) {
    const operator = node.network.operator(id)
    if (!operator) return false
    keys.push(operator.publicKey)
  }
  const aggregate = bls.aggregateSignatures([...signatures.values()])
  return bls.verify(aggregate, bls.aggregatePublicKeys(keys), message)
}
