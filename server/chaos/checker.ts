import {
  balancesResponseSchema,
  orderbookResponseSchema,
  signedBalanceSchema,
  statusResponseSchema,
  txResponseSchema,
  type ReplicaRegistry,
  type StatusResponse,
  type TxResponse,
} from '../../shared/api/index.ts'
import { verifyBalanceAttestation } from '../../shared/attest/index.ts'
import { parseAmount, type TokenRegistry } from '../../shared/intents/index.ts'
import type { History, ReadRecord, StatusRecord, SubmitRecord } from './history.ts'
import { sleep, WORKLOAD_MARKET, WORKLOAD_TRANSFER_TOKEN } from './workload.ts'
import { mapLimit } from '../mapLimit.ts'
import {
  corruptionWindows,
  isFromFoundCorruption,
  judgeCorruptions,
  type CorruptionWindow,
} from './corruptionWindows.ts'
import { judgeExits } from './processExits.ts'

/** Something the system did that it must never do. */
export interface Anomaly {
  readonly kind: string
  readonly detail: string
}

/**
 * What the suite expects to see: a lie the checker caught and that the nemesis had told, or what a
 * replica said from a state the nemesis corrupted, before it found itself diverged and healed.
 */
export interface Detection {
  readonly kind:
    | 'conflicting_signatures'
    | 'signed_balance_not_committed'
    | 'status_state_hash'
    | 'state_hash_divergence'
  readonly replicaId: string
  readonly detail: string
}

/** Anomalies by kind: how many, and the first few of each. */
export function groupAnomalies(anomalies: readonly Anomaly[], examples = 3): string[] {
  const kinds = new Map<string, Anomaly[]>()
  for (const anomaly of anomalies)
    kinds.set(anomaly.kind, [...(kinds.get(anomaly.kind) ?? []), anomaly])
  return [...kinds].map(
    ([kind, list]) =>
      `${kind} x${list.length}: ${list
        .slice(0, examples)
        .map((anomaly) => anomaly.detail)
        .join('; ')}`,
  )
}

export interface CheckResult {
  readonly anomalies: Anomaly[]
  readonly detections: Detection[]
  /** Receipts of every submitted intent on the first replica, by intent id (for latency). */
  readonly receipts: ReadonlyMap<string, TxResponse>
  readonly finalIndex: number
  readonly stateHash: string
  readonly facts: Record<string, number | string>
}

/** Options of `checkHistory`. */
export interface CheckOptions {
  readonly history: History
  /** The replicas' own ports: the checker asks after every fault is healed. */
  readonly directUrls: readonly string[]
  readonly registry: ReplicaRegistry
  readonly tokens: TokenRegistry
  /** Every address that may hold tokens, and what each held at genesis (token units). */
  readonly accounts: readonly string[]
  readonly issuer: string
  readonly genesisPerAccount: Readonly<Record<string, string>>
  /** Signatures the lying replica produced (its re-signed answers), and its `/status` lies. */
  readonly toldLies: {
    readonly signatures: ReadonlySet<string>
    readonly stateHashes: ReadonlySet<string>
  }
  readonly quiescenceTimeoutMs?: number
}

/**
 * The Jepsen bank checker, after the nemesis healed everything: waits until every replica applied
 * what Zellular finalized, then checks what must always hold (see each step) and sorts every
 * disagreement into an anomaly (the system broke a rule) or a detection (the lying replica was
 * caught, as it should be).
 */
export async function checkHistory(options: CheckOptions): Promise<CheckResult> {
  const anomalies: Anomaly[] = []
  const detections: Detection[] = []
  const facts: Record<string, number | string> = {}
  const urls = options.directUrls
  const replicaIds = options.registry.replicas.map((replica) => replica.id)

  // 0. Processes that ended outside the faults that may end them: beyond the fault model, so
  //    every other check may fail for their sake. They come first, even without quiescence.
  const exitsJudged = judgeExits(options.history.records)
  anomalies.push(...exitsJudged.anomalies)
  Object.assign(facts, exitsJudged.facts)

  // 1. Quiescence: one applied index on every replica, equal to the finalized one, stable, and
  //    no acknowledged intent still pending at the replica that took it. A receipt of a batch
  //    above that index means Zellular was still finalizing after 3 quiet seconds (a stall after
  //    healing): settle again, or balances read at the index would miss what receipts say.
  const timeoutMs = options.quiescenceTimeoutMs ?? 90_000
  const submits = options.history.of('submit')
  const settled = await settleWithReceipts(
    () => settle(urls, submits, timeoutMs, facts),
    () =>
      Promise.all(
        urls.map((url) => mapLimit(submits, 16, (record) => fetchReceipt(url, record.intentId))),
      ),
  )
  const { statuses, receiptsByReplica } = settled
  if (settled.settledAgain > 0) {
    facts['settled again (applied after a quiet index)'] = settled.settledAgain
  }
  if (settled.stillBeyond) {
    anomalies.push({
      kind: 'applied_after_quiescence',
      detail: `receipts of batches above ${statuses?.[0]?.appliedIndex} after settling 3 times`,
    })
  }
  if (statuses === undefined) {
    anomalies.push({ kind: 'no_quiescence', detail: 'replicas did not converge after healing' })
    return { anomalies, detections, receipts: new Map(), finalIndex: -1, stateHash: '', facts }
  }
  const finalIndex = statuses[0]!.appliedIndex
  const stateHash = statuses[0]!.stateHash
  facts.finalIndex = finalIndex
  // 2. Every replica reaches the same state hash at the same index.
  if (new Set(statuses.map((s) => `${s.appliedIndex} ${s.stateHash}`)).size !== 1) {
    anomalies.push({
      kind: 'state_hash_divergence',
      detail: statuses.map((s) => `${s.replicaId}@${s.appliedIndex}=${s.stateHash}`).join(' '),
    })
  }

  // 3. Every acknowledged intent applied or rejected exactly once, identically everywhere; a
  //    refused one never; an unknown one at most once.
  const receipts = new Map<string, TxResponse>()
  const outcomeCounts: Record<string, number> = {}
  const prunedBelow = statuses.map((status) => status.historyPrunedBelow ?? 0)
  for (const [position, record] of submits.entries()) {
    const found = receiptsByReplica.map((list) => list[position])
    const final = found.filter(
      (receipt): receipt is TxResponse =>
        receipt !== undefined && receipt !== 'error' && receipt.status !== 'pending',
    )
    const signatures = new Set(
      final.map((r) => `${r.status}|${r.reason ?? ''}|${r.batchIndex}|${r.action}|${r.signer}`),
    )
    const label = `${record.action} ${record.intentId} (${record.outcome} ${record.detail} via ${replicaIds[record.replica]})`
    if (found.includes('error')) {
      anomalies.push({ kind: 'receipt_unreadable', detail: label })
      continue
    }
    if (signatures.size > 1) {
      anomalies.push({ kind: 'receipt_divergence', detail: `${label}: ${[...signatures]}` })
    }
    // A replica started from a snapshot (state sync) holds no receipt of the batches before it.
    const batchIndex = final[0]?.batchIndex ?? 0
    const holding = prunedBelow.filter((below) => below <= batchIndex).length
    if (final.length > 0 && final.length < holding) {
      anomalies.push({ kind: 'receipt_missing_on_some', detail: `${label}: ${final.length}` })
    }
    if (final.length > 0) receipts.set(record.intentId, final[0]!)
    const applied = final.length > 0 ? final[0]!.status : 'none'
    const key = `${record.outcome}/${applied}`
    outcomeCounts[key] = (outcomeCounts[key] ?? 0) + 1
    if (record.outcome === 'ack' && final.length === 0) {
      // 202 `pending`: a Zellular node took it; 202 `unknown`: the replica resends it itself.
      const kind = record.detail === 'pending' ? 'acknowledged_intent_lost' : 'resent_intent_lost'
      anomalies.push({ kind, detail: label })
    }
    if (record.outcome === 'rejected' && final.length > 0) {
      anomalies.push({ kind: 'refused_intent_applied', detail: label })
    }
  }
  Object.assign(
    facts,
    Object.fromEntries(Object.entries(outcomeCounts).map(([k, v]) => [`receipts ${k}`, v])),
  )

  // 4. Balances at the final index: signed, equal on every replica, never negative, supply
  //    conserved, and the transfer token exactly as the applied transfers and mints say.
  const holders = [...new Set([...options.accounts, options.issuer])]
  const balanceTables = await Promise.all(
    urls.map((url, position) =>
      readBalances(url, holders, finalIndex, options.registry.replicas[position]!.blsPublicKey),
    ),
  )
  for (const [position, table] of balanceTables.entries()) {
    if (typeof table === 'string') {
      anomalies.push({ kind: 'balances_unreadable', detail: `${replicaIds[position]}: ${table}` })
    }
  }
  const tables = balanceTables.filter(
    (table): table is Map<string, Balance> => typeof table !== 'string',
  )
  const first = tables[0]
  if (first !== undefined) {
    for (const [position, table] of tables.entries()) {
      for (const [key, balance] of table) {
        const other = first.get(key)
        if (other?.available !== balance.available || other.locked !== balance.locked) {
          anomalies.push({
            kind: 'final_balance_divergence',
            detail: `${key}: ${replicaIds[position]} ${balance.available}/${balance.locked}`,
          })
        }
        if (balance.available < 0n || balance.locked < 0n) {
          anomalies.push({
            kind: 'negative_balance',
            detail: `${key} ${balance.available}/${balance.locked}`,
          })
        }
      }
    }
    const minted = new Map<string, bigint>()
    const expectedTransferToken = new Map<string, bigint>()
    const transferUnits = (amount: string) => units(options.tokens, WORKLOAD_TRANSFER_TOKEN, amount)
    for (const account of options.accounts) {
      const genesis = options.genesisPerAccount[WORKLOAD_TRANSFER_TOKEN] ?? '0'
      expectedTransferToken.set(account, transferUnits(genesis))
    }
    for (const record of submits) {
      const receipt = receipts.get(record.intentId)
      if (receipt?.status !== 'applied') continue
      const intent = record.intent as unknown as Record<string, string>
      if (record.action === 'mint') {
        const token = intent.token!
        minted.set(token, (minted.get(token) ?? 0n) + units(options.tokens, token, intent.amount!))
        if (token === WORKLOAD_TRANSFER_TOKEN) {
          const to = intent.to!
          expectedTransferToken.set(
            to,
            (expectedTransferToken.get(to) ?? 0n) + transferUnits(intent.amount!),
          )
        }
      }
      if (record.action === 'transfer' && intent.token === WORKLOAD_TRANSFER_TOKEN) {
        const amount = transferUnits(intent.amount!)
        const from = intent.signer!
        const to = intent.to!
        expectedTransferToken.set(from, (expectedTransferToken.get(from) ?? 0n) - amount)
        expectedTransferToken.set(to, (expectedTransferToken.get(to) ?? 0n) + amount)
      }
    }
    for (const [token] of options.tokens) {
      const genesis = units(options.tokens, token, options.genesisPerAccount[token] ?? '0')
      const expected = genesis * BigInt(options.accounts.length) + (minted.get(token) ?? 0n)
      let total = 0n
      for (const holder of holders) {
        const balance = first.get(`${holder}|${token}`)
        total += (balance?.available ?? 0n) + (balance?.locked ?? 0n)
      }
      facts[`supply ${token}`] = total.toString()
      if (total !== expected) {
        anomalies.push({
          kind: 'supply_not_conserved',
          detail: `${token}: ${total} != ${expected}`,
        })
      }
    }
    for (const [holder, expected] of expectedTransferToken) {
      const balance = first.get(`${holder}|${WORKLOAD_TRANSFER_TOKEN}`)
      const actual = (balance?.available ?? 0n) + (balance?.locked ?? 0n)
      if (actual !== expected) {
        anomalies.push({
          kind: 'transfer_model_mismatch',
          detail: `${holder} ${WORKLOAD_TRANSFER_TOKEN}: ${actual}, the applied receipts say ${expected}`,
        })
      }
    }
  }

  // Corrupted replicas (the `corrupt` fault) must say they diverged and heal; what each said
  // from its corruption to its heal counts in steps 5 and 6 as a detection once it said so.
  const corruptions = corruptionWindows(options.history.records)
  const corruptionJudged = judgeCorruptions(corruptions)
  anomalies.push(...corruptionJudged.anomalies)
  Object.assign(facts, corruptionJudged.facts)

  // 5. Signed balances the clients received: no replica signs two amounts for one
  //    (index, address, token); an honest one signs only what it committed at that index.
  const reads = options.history.of('read').filter((read) => read.ok && read.signed !== undefined)
  const isLie = (read: ReadRecord) => options.toldLies.signatures.has(read.signed!.signature)
  const lieCount = reads.filter(isLie).length
  facts['signed reads'] = reads.length
  facts['signed reads that were lies'] = lieCount
  for (const read of reads) {
    if (read.valid !== true) {
      anomalies.push({ kind: 'invalid_signature', detail: JSON.stringify(read.signed) })
    }
  }
  const unanswered = new Map<string, string>()
  const holding = { registry: options.registry, prunedBelow }
  const committed = await committedBalances(urls, holding, reads, unanswered)
  // Index 0 is the genesis, which has no chaining hash row to sign a past balance with.
  for (const address of holders) {
    for (const [token] of options.tokens) {
      const held = options.accounts.includes(address)
        ? (options.genesisPerAccount[token] ?? '0')
        : '0'
      committed.set(`0|${address}|${token}`, `${units(options.tokens, token, held)}/0/`)
    }
  }
  const judged = judgeSignedReads(reads, committed, unanswered, isLie, corruptions)
  anomalies.push(...judged.anomalies)
  detections.push(...judged.detections)
  // The quorum's answer (an aggregate of agreeing signatures) is never a lie.
  const aggregates = options.history.of('aggregate').filter((record) => record.ok)
  facts['aggregate reads'] = aggregates.length
  let liarLeftOut = 0
  for (const record of aggregates) {
    const answer = record.answer!
    if (record.valid !== true) {
      anomalies.push({ kind: 'invalid_aggregate', detail: JSON.stringify(answer) })
      continue
    }
    if (answer.nonSigners.some((nonSigner) => nonSigner.reason === 'disagrees')) liarLeftOut += 1
    const a = answer.attestation
    const truth =
      committed.get(`${a.index}|${a.address}|${a.token}`) ??
      (await committedBalance(urls, holding, a.index, a.address, a.token)).value
    const said = `${a.available}/${a.locked}/${a.chainingHash}`
    if (truth !== said) {
      anomalies.push({
        kind: 'quorum_answer_not_committed',
        detail: `${JSON.stringify(a)} vs ${truth}`,
      })
    }
  }
  facts['aggregates leaving out a disagreeing replica'] = liarLeftOut

  // 6. /status: replicas that report a state hash for one index report the same one.
  const statusJudged = judgeStatusRecords(
    options.history.of('status'),
    options.toldLies,
    corruptions,
  )
  anomalies.push(...statusJudged.anomalies)
  detections.push(...statusJudged.detections)
  const statusLies = statusJudged.statusLies
  facts['status lies seen'] = statusLies

  // 7. The book is never crossed: in any answer during the run, nor at the end; and every
  //    replica ends with the same book.
  for (const book of options.history.of('book')) {
    if (book.bestBid !== undefined && book.bestAsk !== undefined) {
      if (Number(book.bestBid) >= Number(book.bestAsk)) {
        anomalies.push({ kind: 'crossed_book', detail: JSON.stringify(book) })
      }
    }
  }
  const books = await Promise.all(
    urls.map(async (url) =>
      orderbookResponseSchema.parse(
        await (await fetch(`${url}/orderbook?market=${WORKLOAD_MARKET}&depth=100`)).json(),
      ),
    ),
  )
  for (const book of books) {
    const [bid, ask] = [book.bids[0], book.asks[0]]
    if (bid !== undefined && ask !== undefined && Number(bid.price) >= Number(ask.price)) {
      anomalies.push({ kind: 'crossed_book', detail: `final: ${bid.price} >= ${ask.price}` })
    }
    if (JSON.stringify(book) !== JSON.stringify(books[0])) {
      anomalies.push({
        kind: 'final_book_divergence',
        detail: `${JSON.stringify(book).slice(0, 300)}`,
      })
    }
  }
  facts['final book levels'] = (books[0]?.bids.length ?? 0) + (books[0]?.asks.length ?? 0)
  return { anomalies, detections, receipts, finalIndex, stateHash, facts }
}

interface Judged {
  readonly anomalies: Anomaly[]
  readonly detections: Detection[]
}

/**
 * Step 5 once the committed balances are known: a replica that signed two amounts for one
 * (index, address, token), or an amount that is not the committed one, broke a rule, unless the
 * answer is one of the nemesis's lies (`isLie`): then it is a detection.
 */
export function judgeSignedReads(
  reads: readonly ReadRecord[],
  committed: ReadonlyMap<string, string>,
  unanswered: ReadonlyMap<string, string>,
  isLie: (read: ReadRecord) => boolean,
  corruptions: readonly CorruptionWindow[] = [],
): Judged {
  const anomalies: Anomaly[] = []
  const detections: Detection[] = []
  const fromCorruption = (read: ReadRecord) =>
    isFromFoundCorruption(corruptions, read.signed!.attestation.replicaId, read.startMs)
  const byReplicaKey = new Map<string, ReadRecord[]>()
  for (const read of reads) {
    const a = read.signed!.attestation
    const key = `${a.replicaId}|${a.index}|${a.address}|${a.token}`
    byReplicaKey.set(key, [...(byReplicaKey.get(key) ?? []), read])
  }
  for (const [key, group] of byReplicaKey) {
    const values = new Set(group.map((read) => amountsOf(read)))
    if (values.size < 2) continue
    const replicaId = key.split('|')[0]!
    // A corrupted replica signs amounts of its own until it heals; outside that it is held to one.
    const outside = new Set(group.filter((read) => !fromCorruption(read)).map(amountsOf))
    if (group.some(isLie) || outside.size < 2) {
      detections.push({
        kind: 'conflicting_signatures',
        replicaId,
        detail: `${key}: ${[...values]}`,
      })
    } else {
      anomalies.push({ kind: 'conflicting_signatures', detail: `${key}: ${[...values]}` })
    }
  }
  for (const read of reads) {
    const a = read.signed!.attestation
    const truth = committed.get(`${a.index}|${a.address}|${a.token}`)
    if (truth === undefined) {
      const key = `${a.index}|${a.address}|${a.token}`
      anomalies.push({ kind: 'no_quorum_for_balance', detail: `${key}: ${unanswered.get(key)}` })
      continue
    }
    if (amountsOf(read) === truth) continue
    if (isLie(read) || fromCorruption(read)) {
      detections.push({
        kind: 'signed_balance_not_committed',
        replicaId: a.replicaId,
        detail: `${a.index} ${a.address} ${a.token}: signed ${amountsOf(read)}, committed ${truth}`,
      })
    } else {
      anomalies.push({
        kind: 'signed_balance_not_committed',
        detail: `${a.replicaId} ${a.index} ${a.address} ${a.token}: signed ${amountsOf(read)}, committed ${truth}`,
      })
    }
  }
  return { anomalies, detections }
}

/**
 * Step 6: the `/status` reads of the run. Read on the replicas' own ports, two state hashes for
 * one index are an anomaly; read through the mesh, a hash the others do not report is a
 * detection when the nemesis told it, else an anomaly.
 */
export function judgeStatusRecords(
  records: readonly StatusRecord[],
  toldLies: { readonly stateHashes: ReadonlySet<string> },
  corruptions: readonly CorruptionWindow[] = [],
): Judged & { statusLies: number } {
  const anomalies: Anomaly[] = []
  const detections: Detection[] = []
  const fromCorruption = (record: StatusRecord) =>
    isFromFoundCorruption(corruptions, record.status.replicaId, record.atMs)
  // A corrupted replica's hashes are no truth, even where it reported an index first.
  const direct = records.filter((r) => r.via === 'direct')
  const truthByIndex = new Map<number, string>()
  for (const record of direct.filter((r) => !fromCorruption(r))) {
    const { stateHashIndex, stateHash: hash } = record.status
    const known = truthByIndex.get(stateHashIndex)
    if (known === undefined) truthByIndex.set(stateHashIndex, hash)
    else if (known !== hash) {
      anomalies.push({
        kind: 'state_hash_divergence',
        detail: `index ${stateHashIndex}: ${known} vs ${hash} (${record.status.replicaId})`,
      })
    }
  }
  for (const record of direct.filter(fromCorruption)) {
    const { stateHashIndex, stateHash: hash, replicaId } = record.status
    const known = truthByIndex.get(stateHashIndex)
    if (known === undefined || known === hash) continue
    detections.push({
      kind: 'state_hash_divergence',
      replicaId,
      detail: `index ${stateHashIndex}: ${hash}, the others ${known}`,
    })
  }
  let statusLies = 0
  for (const record of records.filter((r) => r.via === 'mesh')) {
    const { stateHashIndex, stateHash: hash, replicaId } = record.status
    const known = truthByIndex.get(stateHashIndex)
    if (known === undefined || known === hash) continue
    if (toldLies.stateHashes.has(hash)) {
      statusLies += 1
      detections.push({
        kind: 'status_state_hash',
        replicaId,
        detail: `index ${stateHashIndex}: ${hash}`,
      })
    } else if (fromCorruption(record)) {
      detections.push({
        kind: 'status_state_hash',
        replicaId,
        detail: `index ${stateHashIndex}: ${hash}, the others ${known}`,
      })
    } else {
      anomalies.push({
        kind: 'status_state_hash',
        detail: `${replicaId} index ${stateHashIndex}: ${hash} vs ${known}`,
      })
    }
  }
  return { anomalies, detections, statusLies }
}

interface Balance {
  readonly available: bigint
  readonly locked: bigint
}

function amountsOf(read: ReadRecord): string {
  const a = read.signed!.attestation
  return `${a.available}/${a.locked}/${a.chainingHash}`
}

function units(tokens: TokenRegistry, token: string, amount: string): bigint {
  const info = tokens.get(token as never)
  if (info === undefined) throw new Error(`unknown token ${token}`)
  if (/^0+$/.test(amount)) return 0n // parseAmount takes positive amounts only
  const parsed = parseAmount(amount, info.decimals)
  if (!parsed.ok) throw new Error(`bad amount ${amount} ${token}`)
  return parsed.value
}

/** Waits until every replica stands at the finalized index with its state hash computed there. */
/** How much longer than quiescence the checker waits for pending intents to be sent again. */
const REDELIVERY_WAIT_MS = 60_000

/** Acknowledged intents that the replica which took them still reports as pending. */
async function stillPending(
  urls: readonly string[],
  submits: readonly SubmitRecord[],
): Promise<number> {
  const acked = submits.filter((record) => record.outcome === 'ack')
  const answers = await mapLimit(acked, 16, (record) =>
    fetchReceipt(urls[record.replica]!, record.intentId),
  )
  return answers.filter((answer) => answer !== 'error' && answer?.status === 'pending').length
}

/**
 * Settles, then reads the receipts; a receipt of a batch above the settled index means the
 * replicas were not done (Zellular was still finalizing after the quiet seconds), so it settles
 * and reads again, up to 3 times. Balances read at the settled index then match the receipts.
 */
export async function settleWithReceipts<receipt extends { readonly batchIndex?: number }>(
  settle: () => Promise<StatusResponse[] | undefined>,
  readReceipts: () => Promise<(receipt | undefined | 'error')[][]>,
): Promise<{
  statuses: StatusResponse[] | undefined
  receiptsByReplica: (receipt | undefined | 'error')[][]
  settledAgain: number
  stillBeyond: boolean
}> {
  for (let settledAgain = 0; ; settledAgain++) {
    const statuses = await settle()
    if (statuses === undefined) {
      return { statuses, receiptsByReplica: [], settledAgain, stillBeyond: false }
    }
    const quietIndex = statuses[0]!.appliedIndex
    const receiptsByReplica = await readReceipts()
    const stillBeyond = receiptsByReplica
      .flat()
      .some((found) => typeof found === 'object' && (found.batchIndex ?? 0) > quietIndex)
    if (!stillBeyond || settledAgain === 2) {
      return { statuses, receiptsByReplica, settledAgain, stillBeyond }
    }
  }
}

/**
 * Quiescence, then until no acknowledged intent is pending at the replica that took it (it sends
 * an intent a node lost again after REPLICA_REDELIVER_AFTER_MS: until then it is in flight, not
 * lost), then quiescence again if it waited.
 */
async function settle(
  urls: readonly string[],
  submits: readonly SubmitRecord[],
  timeoutMs: number,
  facts: Record<string, number | string>,
): Promise<StatusResponse[] | undefined> {
  const statuses = await quiescent(urls, timeoutMs)
  if (statuses === undefined) return undefined
  const deadline = Date.now() + REDELIVERY_WAIT_MS
  let waiting = await stillPending(urls, submits)
  if (waiting === 0) return statuses
  facts.waitedForPending = waiting
  while (waiting > 0 && Date.now() < deadline) {
    await sleep(1_000)
    waiting = await stillPending(urls, submits)
  }
  // What is still pending after the wait is reported by the caller as lost, by kind.
  return quiescent(urls, timeoutMs)
}

async function quiescent(
  urls: readonly string[],
  timeoutMs: number,
): Promise<StatusResponse[] | undefined> {
  const deadline = Date.now() + timeoutMs
  let stableSince: { index: number; atMs: number } | undefined
  while (Date.now() < deadline) {
    try {
      const statuses = await Promise.all(
        urls.map(async (url) =>
          statusResponseSchema.parse(
            await (await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) })).json(),
          ),
        ),
      )
      const indexes = new Set(statuses.map((s) => s.appliedIndex))
      const index = statuses[0]!.appliedIndex
      const finalized = Math.max(...statuses.map((s) => s.zellularFinalizedIndex ?? 0))
      const hashed = statuses.every((s) => s.stateHashIndex === s.appliedIndex)
      if (indexes.size === 1 && index === finalized && hashed) {
        if (stableSince?.index !== index) stableSince = { index, atMs: Date.now() }
        // Resends of intents whose first send had an unknown outcome may still come: wait a while.
        else if (Date.now() - stableSince.atMs > 3_000) return statuses
      } else stableSince = undefined
    } catch {
      stableSince = undefined
    }
    await sleep(500)
  }
  return undefined
}

async function fetchReceipt(url: string, id: string): Promise<TxResponse | undefined | 'error'> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const response = await fetch(`${url}/tx/${id}`, { signal: AbortSignal.timeout(5_000) })
      if (response.status === 404) return undefined
      if (response.status === 200) return txResponseSchema.parse(await response.json())
    } catch {
      // try again
    }
    await sleep(200)
  }
  return 'error'
}

/** Every holder's balances at `index` from one replica, each signature checked. */
async function readBalances(
  url: string,
  holders: readonly string[],
  index: number,
  publicKey: string,
): Promise<Map<string, Balance> | string> {
  const table = new Map<string, Balance>()
  let answers
  try {
    answers = await mapLimit(holders, 8, async (address) => {
      const response = await fetch(`${url}/balances?address=${address}&index=${index}`)
      return balancesResponseSchema.parse(await response.json())
    })
  } catch (error) {
    // A negative amount fails the schema too: it is reported, never skipped.
    return `unreadable balances: ${String(error).slice(0, 500)}`
  }
  for (const answer of answers) {
    for (const signed of answer.balances) {
      const a = signed.attestation
      if (a.index !== index || !verifyBalanceAttestation(a, signed.signature, publicKey)) {
        return `bad signed balance ${JSON.stringify(signed)}`
      }
      table.set(`${a.address}|${a.token}`, {
        available: BigInt(a.available),
        locked: BigInt(a.locked),
      })
    }
  }
  return table
}

/**
 * Which replicas can say what was committed at an index: a replica started from a snapshot
 * (state sync, the `wipe` fault) holds no balance below the index it synced at.
 */
interface Holding {
  readonly registry: ReplicaRegistry
  /** Each replica's `historyPrunedBelow`, by position. */
  readonly prunedBelow: readonly number[]
}

/**
 * How many agreeing replicas decide what was committed at `index`: a quorum, or every replica
 * that still holds it when fewer do (after wipes; the nemesis never wipes the first replica, so
 * one always does). Every replica is asked on its own port, where no lie is told.
 */
export function agreementNeeded(holding: Holding, index: number): number {
  const holders = holding.prunedBelow.filter((below) => below <= index).length
  return Math.max(1, Math.min(holding.registry.quorum, holders))
}

/**
 * The committed balance of each (index, address, token) the clients read, as the replicas that
 * hold it sign it now (`agreementNeeded`): `available/locked/chainingHash`.
 */
async function committedBalances(
  urls: readonly string[],
  holding: Holding,
  reads: readonly ReadRecord[],
  unanswered: Map<string, string>,
): Promise<Map<string, string>> {
  const keys = [
    ...new Set(
      reads.map((read) => {
        const a = read.signed!.attestation
        return `${a.index}|${a.address}|${a.token}`
      }),
    ),
  ]
  const truths = await mapLimit(keys, 8, async (key) => {
    const [index, address, token] = key.split('|') as [string, string, string]
    return committedBalance(urls, holding, Number(index), address, token)
  })
  const committed = new Map<string, string>()
  for (const [position, key] of keys.entries()) {
    const truth = truths[position]!
    if (truth.value !== undefined) committed.set(key, truth.value)
    else unanswered.set(key, truth.answers.join(' | '))
  }
  return committed
}

async function committedBalance(
  urls: readonly string[],
  holding: Holding,
  index: number,
  address: string,
  token: string,
): Promise<{ value?: string; answers: string[] }> {
  let answers: string[] = []
  // A quorum that does not answer at once (a slow machine) is asked again before it counts.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await sleep(1_000)
    answers = await Promise.all(
      urls.map(async (url, position) => {
        try {
          const response = await fetch(
            `${url}/balance?address=${address}&token=${token}&index=${index}`,
            { signal: AbortSignal.timeout(10_000) },
          )
          const body: unknown = await response.json()
          if (response.status !== 200) return `error ${response.status} ${JSON.stringify(body)}`
          const signed = signedBalanceSchema.parse(body)
          const key = holding.registry.replicas[position]!.blsPublicKey
          if (!verifyBalanceAttestation(signed.attestation, signed.signature, key)) {
            return `error bad signature`
          }
          const a = signed.attestation
          return `${a.available}/${a.locked}/${a.chainingHash}`
        } catch (error) {
          return `error ${String(error)}`
        }
      }),
    )
    const counts = new Map<string, number>()
    for (const answer of answers) {
      if (!answer.startsWith('error')) counts.set(answer, (counts.get(answer) ?? 0) + 1)
    }
    const needed = agreementNeeded(holding, index)
    for (const [value, count] of counts) if (count >= needed) return { value, answers }
  }
  return { answers }
}
