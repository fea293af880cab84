import { bls, syncPointMessage, type SignedState } from '../../shared/zellular/index.ts'
import type { ZellularNode } from './node.ts'

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
  if (node.faults.stopFinalizing) return
  for (const app of node.logs.keys()) {
    await synchronizeApp(node, app)
    if (!node.isSequencer || node.paused) return
  }
}

async function synchronizeApp(node: ZellularNode, app: string): Promise<void> {
  const log = node.appLog(app)
  if (node.config.pipelineLocks || log.lastLocked === log.lastFinalized) {
    const lockPoint = findSyncPoint(node, app, 'sequenced')
    if (lockPoint) await signAndApply(node, app, 'sequenced', lockPoint)
  }
  const finalizationPoint = findSyncPoint(node, app, 'locked')
  if (finalizationPoint) await signAndApply(node, app, 'locked', finalizationPoint)
}

/**
 * The highest index that peers holding, with the sequencer, a threshold of stake report having
 * reached in `state` (sequenced for locks, locked for finalizations).
 */
function findSyncPoint(
  node: ZellularNode,
  app: string,
  state: SignedState,
): SyncPointCandidate | null {
  const reports = node.reports.get(app)!
  const floor = (state === 'sequenced' ? node.lastLockPoint : node.lastFinalizationPoint).get(app)
  const log = node.appLog(app)
  const reached = (report: { sequencedIndex: number; lockedIndex: number }) =>
    state === 'sequenced' ? report.sequencedIndex : report.lockedIndex
  // A node signs only on top of its own last finalized index, so a lock can only gather nodes
  // that already know the latest finalization; asking the others wastes a round.
  const candidates = [...reports.entries()]
    .filter(([id, report]) => isAttesting(node, id) && reached(report) > (floor ?? 0))
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
      const chainingHash =
        state === 'sequenced' ? candidate.sequencedChainingHash : candidate.lockedChainingHash
      return { index, chainingHash, party }
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

async function signAndApply(
  node: ZellularNode,
  app: string,
  state: SignedState,
  point: SyncPointCandidate,
): Promise<void> {
  const log = node.appLog(app)
  const request = {
    app_name: app,
    state,
    index: point.index,
    chaining_hash: point.chainingHash,
    parent_index: log.lastFinalized,
    timestamp: state === 'locked' ? Math.floor(Date.now() / 1000) : 0,
  }
  const aggregate = await gatherSignatures(node, request, point.party)
  if (!aggregate) return
  const record = { ...request, ...aggregate, tag: 0 }
  const refusal = node.promote(app, record, true)
  if (refusal) {
    node.log.warn(
      `own ${state === 'locked' ? 'finalization' : 'lock'} ${point.index} refused: ${refusal}`,
    )
    return
  }
  const memory = state === 'sequenced' ? node.lastLockPoint : node.lastFinalizationPoint
  memory.set(app, point.index)
}

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
): Promise<{ signature: string; nonsigners: string[] } | null> {
  const message = syncPointMessage(request)
  const signatures = new Map<string, bls.G1>()
  const ownStake = node.network.operator(node.id)?.stake ?? 0
  if (ownStake > 0) signatures.set(node.id, bls.sign(node.secretKey, message))
  const enough = () => node.network.stakePercent(signatures.keys()) >= node.network.thresholdPercent
  // After an aggregate fails, every answer (those held and those still to come) is verified alone.
  let verifyEach = false
  const verifiesAlone = (id: string, signature: bls.G1) => {
    const operator = node.network.operator(id)
    return operator !== undefined && bls.verify(signature, operator.publicKey, message)
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

  const gathered = await new Promise<boolean>((resolve) => {
    let pending = party.length
    if (settled()) return resolve(true)
    if (pending === 0) return resolve(false)
    controller.signal.addEventListener('abort', () => resolve(false))
    for (const id of party) {
      void askToSign(node, id, request, message).then((signature) => {
        if (controller.signal.aborted) return
        if (signature && (!verifyEach || verifiesAlone(id, signature))) {
          signatures.set(id, signature)
        }
        pending -= 1
        if (settled()) resolve(true)
        else if (pending === 0) resolve(false)
      })
    }
  })
  clearTimeout(deadline)
  controller.abort()
  if (!gathered) return null
  const nonsigners = node.network
    .attesting()
    .map((operator) => operator.id)
    .filter((id) => !signatures.has(id))
  const aggregate = bls.aggregateSignatures([...signatures.values()])
  return { signature: bls.formatPoint(aggregate), nonsigners }
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
    const url = `${operator.socket}/node/sign_sync_point`
    const response = await node.peers.send('POST', url, request, node.config.aggregationTimeoutMs)
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
