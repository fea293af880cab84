import {
  aggregateBalanceResponseSchema,
  orderbookResponseSchema,
  signedBalanceSchema,
  statusResponseSchema,
  type ReplicaRegistry,
} from '../../shared/api/index.ts'
import { verifyAggregateBalance, verifyBalanceAttestation } from '../../shared/attest/index.ts'
import { signIntent, type TestAccount } from '../../shared/exchange/testing.ts'
import {
  intentId,
  nextNonce as nextTimeNonce,
  type Address,
  type TokenRegistry,
} from '../../shared/intents/index.ts'
import type { History, SubmitOutcome, SubmitRecord } from './history.ts'
import type { Random } from './random.ts'

/** Options of `runWorkload`. */
export interface WorkloadOptions {
  readonly history: History
  readonly random: Random
  /** The replicas as the clients reach them (through the mesh). */
  readonly replicaUrls: readonly string[]
  /** The replicas' own ports, polled for the applied-index timeline. */
  readonly directUrls: readonly string[]
  readonly registry: ReplicaRegistry
  readonly tokens: TokenRegistry
  readonly accounts: readonly TestAccount[]
  readonly issuer: TestAccount
  /** Operations started per second (open loop: a slow answer does not slow the schedule). */
  readonly ratePerSecond: number
  readonly durationMs: number
  /** The faults active now, recorded with each submission. */
  readonly activeFaults: () => readonly string[]
  readonly requestTimeoutMs?: number
}

/** The market the orders go to; transfers and mints move BTC only, so its balances have a model. */
export const WORKLOAD_MARKET = 'ETH/USDT'
export const WORKLOAD_TRANSFER_TOKEN = 'BTC'

const MAX_IN_FLIGHT = 200

/**
 * Runs clients against the replicas for `durationMs`: BTC transfers, ETH/USDT limit and market
 * orders, cancels of the clients' own orders, issuer mints of BTC, signed balance reads,
 * aggregate (quorum) balance reads and order-book reads, each to a replica picked at random,
 * at a steady rate; and polls every replica's `/status` through the mesh (what clients see) and
 * on its own port (the applied-index timeline). Every request goes into the history with its
 * outcome.
 */
export async function runWorkload(options: WorkloadOptions): Promise<void> {
  const { history, random, replicaUrls, accounts } = options
  const timeoutMs = options.requestTimeoutMs ?? 10_000
  const nonces = new Map<string, bigint>()
  const nextNonce = (account: TestAccount) => {
    // Millisecond times, as the replay rule wants, strictly increasing per account.
    const nonce = nextTimeNonce(Date.now(), nonces.get(account.address))
    nonces.set(account.address, nonce)
    return nonce
  }
  /** Acknowledged orders, by account, that may still rest in the book. */
  const openOrders = new Map<string, string[]>()
  const inFlight = new Set<Promise<void>>()
  // Operations record their own failures; one that throws is a bug of the harness, reported.
  const thrown: unknown[] = []
  const track = (work: Promise<void>) => {
    const settled = work.catch((error: unknown) => void thrown.push(error))
    inFlight.add(settled)
    settled.finally(() => inFlight.delete(settled)).catch(() => {})
  }

  const submit = async (
    action: SubmitRecord['action'],
    account: TestAccount,
    fields: Record<string, string>,
  ): Promise<SubmitRecord> => {
    const nonce = nextNonce(account)
    const intent = signIntent(account, options.tokens, { ...fields, nonce: nonce.toString() })
    const id = intentId({
      app: options.registry.app,
      network: options.registry.network,
      signer: account.address as Address,
      nonce,
    })
    const replica = random.int(replicaUrls.length)
    const path = action === 'order' ? '/order' : action === 'cancel' ? '/cancel' : `/${action}`
    const startMs = history.now()
    const faults = options.activeFaults()
    let outcome: SubmitOutcome
    let detail: string
    let httpStatus: number | undefined
    try {
      const response = await fetch(`${replicaUrls[replica]}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(intent),
        signal: AbortSignal.timeout(timeoutMs),
      })
      httpStatus = response.status
      const body = (await response.json().catch(() => ({}))) as {
        intentId?: string
        status?: string
        error?: { code?: string }
      }
      if (response.status === 202 && body.intentId === id) {
        outcome = 'ack'
        detail = body.status ?? '?'
      } else if (response.status === 202) {
        outcome = 'unknown'
        detail = `202 with intent id ${body.intentId}, expected ${id}`
      } else if (response.status >= 400 && response.status < 500) {
        outcome = 'rejected'
        detail = body.error?.code ?? String(response.status)
      } else {
        outcome = 'unknown'
        detail = body.error?.code ?? String(response.status)
      }
    } catch (error) {
      outcome = 'unknown'
      detail = errorText(error)
    }
    const record: SubmitRecord = {
      kind: 'submit',
      action,
      replica,
      intentId: id,
      intent,
      startMs,
      endMs: history.now(),
      outcome,
      detail,
      ...(httpStatus === undefined ? {} : { httpStatus }),
      faults,
    }
    history.add(record)
    return record
  }

  const transfer = async () => {
    const from = random.pick(accounts)
    let to = random.pick(accounts)
    if (to === from) to = accounts[(accounts.indexOf(from) + 1) % accounts.length]!
    await submit('transfer', from, {
      action: 'transfer',
      to: to.address,
      token: WORKLOAD_TRANSFER_TOKEN,
      amount: formatUnits(BigInt(random.between(1, 800_000_000)), 8),
    })
  }
  const mint = async () => {
    await submit('mint', options.issuer, {
      action: 'mint',
      to: random.pick(accounts).address,
      token: WORKLOAD_TRANSFER_TOKEN,
      amount: String(random.between(1, 20)),
    })
  }
  const order = async () => {
    const account = random.pick(accounts)
    const side = random.chance(0.5) ? 'buy' : 'sell'
    const market = random.chance(0.08)
    const fields = {
      action: 'order',
      market: WORKLOAD_MARKET,
      side,
      type: market ? 'market' : 'limit',
      price: market ? (side === 'buy' ? '2100' : '1900') : String(random.between(1_990, 2_010)),
      quantity: formatUnits(BigInt(random.between(10, 500)), 3),
      timeInForce: market ? 'IOC' : random.pick(['GTC', 'GTC', 'GTC', 'IOC', 'POST_ONLY']),
    }
    const record = await submit('order', account, fields)
    if (record.outcome === 'ack' && fields.timeInForce !== 'IOC') {
      const list = openOrders.get(account.address) ?? []
      list.push(record.intentId)
      if (list.length > 50) list.shift()
      openOrders.set(account.address, list)
    }
  }
  const cancel = async () => {
    const account = random.pick(accounts)
    const list = openOrders.get(account.address) ?? []
    if (list.length === 0 || random.chance(0.1)) {
      openOrders.delete(account.address)
      await submit('cancel', account, { action: 'cancelAll', market: WORKLOAD_MARKET })
      return
    }
    const orderId = list.splice(random.int(list.length), 1)[0]!
    await submit('cancel', account, { action: 'cancel', market: WORKLOAD_MARKET, orderId })
  }
  const readBalance = async () => {
    const replica = random.int(replicaUrls.length)
    const address = random.pick(accounts).address
    const token = random.pick(['USDT', 'ETH', 'BTC'])
    const startMs = history.now()
    const base = { kind: 'read', replica, startMs } as const
    try {
      const response = await fetch(
        `${replicaUrls[replica]}/balance?address=${address}&token=${token}`,
        { signal: AbortSignal.timeout(timeoutMs) },
      )
      const body: unknown = await response.json()
      if (response.status !== 200) {
        const code = (body as { error?: { code?: string } }).error?.code
        return history.add({ ...base, endMs: history.now(), ok: false, detail: code ?? '?' })
      }
      const signed = signedBalanceSchema.parse(body)
      const key = options.registry.replicas[replica]!.blsPublicKey
      const valid =
        signed.attestation.replicaId === options.registry.replicas[replica]!.id &&
        signed.attestation.address === address &&
        signed.attestation.token === token &&
        verifyBalanceAttestation(signed.attestation, signed.signature, key)
      history.add({ ...base, endMs: history.now(), ok: true, detail: 'signed', signed, valid })
    } catch (error) {
      history.add({ ...base, endMs: history.now(), ok: false, detail: errorText(error) })
    }
  }
  const readAggregate = async () => {
    const replica = random.int(replicaUrls.length)
    const address = random.pick(accounts).address
    const token = random.pick(['USDT', 'ETH', 'BTC'])
    const startMs = history.now()
    const base = { kind: 'aggregate', replica, startMs } as const
    try {
      const response = await fetch(
        `${replicaUrls[replica]}/aggregate_balance?address=${address}&token=${token}`,
        { signal: AbortSignal.timeout(timeoutMs) },
      )
      const body: unknown = await response.json()
      if (response.status !== 200) {
        const code = (body as { error?: { code?: string } }).error?.code
        return history.add({ ...base, endMs: history.now(), ok: false, detail: code ?? '?' })
      }
      const answer = aggregateBalanceResponseSchema.parse(body)
      const valid =
        verifyAggregateBalance(answer, options.registry).ok &&
        answer.attestation.address === address &&
        answer.attestation.token === token
      history.add({ ...base, endMs: history.now(), ok: true, detail: 'aggregate', answer, valid })
    } catch (error) {
      history.add({ ...base, endMs: history.now(), ok: false, detail: errorText(error) })
    }
  }
  const readBook = async () => {
    const replica = random.int(replicaUrls.length)
    try {
      const response = await fetch(
        `${replicaUrls[replica]}/orderbook?market=${WORKLOAD_MARKET}&depth=5`,
        { signal: AbortSignal.timeout(timeoutMs) },
      )
      if (response.status !== 200) return
      const book = orderbookResponseSchema.parse(await response.json())
      history.add({
        kind: 'book',
        replica,
        atMs: history.now(),
        index: book.index,
        ...(book.bids[0] === undefined ? {} : { bestBid: book.bids[0].price }),
        ...(book.asks[0] === undefined ? {} : { bestAsk: book.asks[0].price }),
      })
    } catch {
      // a fault: the book is read again soon
    }
  }

  const operations: [number, () => Promise<void>][] = [
    [38, transfer],
    [25, order],
    [10, cancel],
    [3, mint],
    [15, readBalance],
    [5, readAggregate],
    [4, readBook],
  ]
  const weightTotal = operations.reduce((sum, [weight]) => sum + weight, 0)
  const pickOperation = () => {
    let roll = random.int(weightTotal)
    for (const [weight, operation] of operations) {
      if (roll < weight) return operation
      roll -= weight
    }
    return operations[0]![1]
  }

  const stopAtMs = history.now() + options.durationMs
  const pollers = [
    poll(options, 'direct', options.directUrls, 150, stopAtMs),
    poll(options, 'mesh', replicaUrls, 600, stopAtMs),
  ]
  const intervalMs = 1_000 / options.ratePerSecond
  let next = history.now()
  while (history.now() < stopAtMs) {
    if (inFlight.size < MAX_IN_FLIGHT) track(pickOperation()())
    next += intervalMs
    const waitMs = next - history.now()
    if (waitMs > 0) await sleep(waitMs)
  }
  await Promise.all([...inFlight, ...pollers])
  if (thrown.length > 0) throw new Error('a workload operation threw', { cause: thrown[0] })
}

/** Reads every replica's `/status` every `everyMs` until `stopAtMs`. */
async function poll(
  options: WorkloadOptions,
  via: 'mesh' | 'direct',
  urls: readonly string[],
  everyMs: number,
  stopAtMs: number,
): Promise<void> {
  const { history } = options
  while (history.now() < stopAtMs) {
    await Promise.all(
      urls.map(async (url, replica) => {
        try {
          const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(1_000) })
          const status = statusResponseSchema.parse(await response.json())
          history.add({ kind: 'status', replica, atMs: history.now(), via, status })
        } catch {
          // down, paused or cut off: the timeline shows the gap
        }
      }),
    )
    await sleep(everyMs)
  }
}

/** `units` with `decimals` decimals as a decimal string without trailing zeros. */
function formatUnits(units: bigint, decimals: number): string {
  const scale = 10n ** BigInt(decimals)
  const whole = units / scale
  const fraction = (units % scale).toString().padStart(decimals, '0').replace(/0+$/, '')
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.name}${cause || `: ${error.message}`}`
}
