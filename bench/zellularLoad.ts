import { readFileSync } from 'node:fs'
import type { LocalNetwork } from '../server/devnet/localNetwork.ts'
import { waitFor } from '../server/zellular/testing.ts'
import { percentile } from './report.ts'

/**
 * An open-loop load on a local Zellular network: every tick the generator sends the batches due
 * at the fixed rate (bulk PUT to the `senders` in turn, whether or not earlier ones are done;
 * a refused PUT is retried on the next sender), and a reader follows the `reader` node's
 * finalized stream. Each batch carries its send time, so latency is submit → visible as
 * finalized. Used by `bench:zellular` and `bench:byzantine`.
 */
export interface LoadOptions {
  readonly app: string
  readonly rate: number
  readonly seconds: number
  readonly warmupSeconds: number
  readonly txBytes: number
  readonly txPerBatch: number
  /** Node positions the batches are sent to, in turn. */
  readonly senders: readonly number[]
  /** Node position whose finalized pages are read. */
  readonly reader: number
  /** Index the reader starts after. */
  readonly startAfter: number
  /** How long sent batches may take to finalize after the window before they count as lost. */
  readonly drainMs?: number
  readonly onProgress?: (line: string) => void
}

export interface LoadRun {
  offeredTxPerSecond: number
  finalizedTxPerSecond: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  lostBatches: number
  /** Measured batches never seen finalized (counted as lost too). */
  unmeasured: number
  /** Batches no sender took (never acknowledged, so not expected to finalize). */
  refusedBatches: number
  /** Per node, CPU seconds used during the window, per second of window, in %. */
  cpuPercentByNode: number[]
  /** Finalized arrival times at the reader (performance.now()), for gaps and switch times. */
  arrivals: number[]
}

export const TICK_MS = 20

export function makeBatch(id: number, sentAt: number, txBytes: number, txPerBatch: number): string {
  const pad = 'x'.repeat(Math.max(0, txBytes - 40))
  const txs = Array.from({ length: txPerBatch }, (_, i) => ({ id: `${id}-${i}`, t: sentAt, pad }))
  return JSON.stringify(txs)
}

/** utime + stime of a process, in clock ticks (1/100 s on Linux); 0 once it has exited. */
export function cpuTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

export async function runOpenLoop(network: LocalNetwork, options: LoadOptions): Promise<LoadRun> {
  const { app, rate, seconds, warmupSeconds, txBytes, txPerBatch, senders } = options
  const urls = network.urls()
  const batchesPerSecond = rate / txPerBatch
  const latencies: number[] = []
  const arrivals: number[] = []
  const sentAt = new Map<number, number>()
  let nextId = options.startAfter
  let finalizedTx = 0
  let refused = 0
  /** Only batches sent after the warm-up count for latency; only arrivals in the window count. */
  let measuring = false
  let windowOpen = false
  const measured = new Set<number>()
  let stopReading = false
  let readerIndex = options.startAfter
  const reader = urls[options.reader]!
  const readLoop = (async () => {
    while (!stopReading) {
      let page: { data: { batches: string[] } | null }
      try {
        const response = await fetch(`${reader}/node/${app}/batches/finalized?after=${readerIndex}`)
        page = (await response.json()) as typeof page
      } catch {
        page = { data: null }
      }
      if (!page.data) {
        await new Promise((resolve) => setTimeout(resolve, 10))
        continue
      }
      const now = performance.now()
      for (const body of page.data.batches) {
        readerIndex++
        arrivals.push(now)
        const first = (JSON.parse(body) as { id: string }[])[0]
        const id = Number(first?.id.split('-')[0])
        const sent = sentAt.get(id)
        if (sent !== undefined) {
          if (measured.delete(id)) latencies.push(now - sent)
          sentAt.delete(id)
          if (windowOpen) finalizedTx += txPerBatch
        }
      }
    }
  })()

  /** Sends a bulk PUT, moving to the next sender when one refuses, for up to 10 s. */
  const deliver = async (ids: number[], bodies: string[], first: number) => {
    const deadline = performance.now() + 10_000
    for (let attempt = 0; performance.now() < deadline; attempt++) {
      const url = urls[senders[(first + attempt) % senders.length]!]!
      try {
        const response = await fetch(`${url}/node/batches`, {
          method: 'PUT',
          body: JSON.stringify({ [app]: bodies }),
          headers: { 'Content-Type': 'application/json' },
          signal: AbortSignal.timeout(5_000),
        })
        if (response.ok) return
      } catch {
        // a down or slow node: the next one
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    refused += ids.length
    for (const id of ids) {
      sentAt.delete(id)
      measured.delete(id)
    }
  }

  const pids = network.processes.map((process) => process.child.pid!)
  let cpuBefore = pids.map(cpuTicks)
  const started = performance.now()
  let windowStarted = started
  let target = 0
  const inFlight: Promise<unknown>[] = []
  const progress = setInterval(() => {
    options.onProgress?.(
      `t=${Math.round(performance.now() - started)}ms sent=${nextId - options.startAfter} ` +
        `read=${readerIndex - options.startAfter}`,
    )
  }, 1000)
  while (performance.now() - started < (warmupSeconds + seconds) * 1000) {
    const elapsed = (performance.now() - started) / 1000
    if (!measuring && elapsed >= warmupSeconds) {
      measuring = windowOpen = true
      windowStarted = performance.now()
      cpuBefore = pids.map(cpuTicks)
    }
    const due = Math.floor(elapsed * batchesPerSecond) - target
    if (due > 0) {
      const bodies: string[] = []
      const ids: number[] = []
      const now = performance.now()
      for (let i = 0; i < due; i++) {
        sentAt.set(nextId, now)
        if (measuring) measured.add(nextId)
        ids.push(nextId)
        bodies.push(makeBatch(nextId++, now, txBytes, txPerBatch))
      }
      target += due
      inFlight.push(deliver(ids, bodies, target))
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS))
  }
  clearInterval(progress)
  const window = (performance.now() - windowStarted) / 1000
  windowOpen = false
  const finalizedInWindow = finalizedTx
  const cpuAfter = pids.map(cpuTicks)
  await Promise.all(inFlight)
  // Drain: everything acknowledged must finalize; what does not in time counts as lost.
  await waitFor(() => sentAt.size === 0, options.drainMs ?? 30_000).catch(() => undefined)
  stopReading = true
  await readLoop
  latencies.sort((a, b) => a - b)
  return {
    offeredTxPerSecond: rate,
    finalizedTxPerSecond: Math.round(finalizedInWindow / window),
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    maxMs: Math.round(latencies.at(-1) ?? Number.NaN),
    lostBatches: sentAt.size,
    unmeasured: measured.size,
    refusedBatches: refused,
    cpuPercentByNode: cpuAfter.map((after, i) => Math.round((after - cpuBefore[i]!) / window)),
    arrivals,
  }
}
