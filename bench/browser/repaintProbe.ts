/*
 * Runs in the app's page (`addInitScript`) for `bench:browser`'s repaint scenario. It reads the
 * app's own SSE stream (a branch of each `/events` answer the app fetches, parsed as its bytes
 * arrive) and notes, per batch, when its first event arrived, the shown market's last book `seq`
 * and trade `seq` in it, and whether it carries a balance of the connected account. The app says
 * what it shows in data attributes (the book's `data-seq`, the chart canvas's `data-drawn-seq`,
 * the balances' `data-shown-index`, and `data-index` for the batch they are verified at); when
 * one reaches a batch, the DOM shows it on that panel (the book's and the chart's times of that
 * are kept too), and the batch counts as repainted there at the end of the next frame (an
 * animation frame, then a message: after the paint).
 * Long tasks come from a `longtask` PerformanceObserver. Self-contained: it is serialized.
 */

export interface ProbeBatch {
  readonly index: number
  /** `performance.now()` when the batch's first event was dispatched. */
  readonly t0: number
  bookSeq?: number
  tradeSeq?: number
  balance: boolean
  /** Milliseconds from `t0` to its `applied` event: how long the batch's events took to arrive. */
  arrival?: number
  /** Milliseconds from `t0` to the frame that shows the batch, per panel. */
  book?: number
  chart?: number
  /**
   * Milliseconds from `t0` to the app showing it, before the paint: the book's DOM, the chart's
   * data handed to the library (which draws it in the next animation frame).
   */
  bookDom?: number
  chartDom?: number
  /** Shown, from the stream or verified. */
  balances?: number
  /** Verified by a quorum's signed reads. */
  verified?: number
}

interface ProbeReport {
  readonly batches: ProbeBatch[]
  readonly longTasks: { start: number; duration: number }[]
  readonly recordedMs: number
  /** Events of the stream received while recording. */
  readonly events: number
}

declare global {
  interface Window {
    repaintProbe: { start(): void; stop(): ProbeReport }
  }
}

export function installRepaintProbe(market: string): void {
  type Panel = 'book' | 'chart' | 'balances' | 'verified'
  const names = ['receipt', 'order', 'trade', 'book', 'balance', 'applied']
  const batches = new Map<number, ProbeBatch>()
  const recorded: ProbeBatch[] = []
  const waiting: Record<Panel, ProbeBatch[]> = { book: [], chart: [], balances: [], verified: [] }
  const longTasks: { start: number; duration: number }[] = []
  let recording = false
  let startedAt = 0
  let stoppedAt = 0

  new PerformanceObserver((list) => {
    if (!recording) return
    for (const entry of list.getEntries()) {
      longTasks.push({ start: entry.startTime, duration: entry.duration })
    }
  }).observe({ type: 'longtask', buffered: false })

  let events = 0
  const onEvent = (name: string, text: string) => {
    const now = performance.now()
    if (recording) events += 1
    const data = JSON.parse(text) as { index?: number; market?: string; seq?: number }
    if (typeof data.index !== 'number') return
    let batch = batches.get(data.index)
    if (batch === undefined) {
      batch = { index: data.index, t0: now, balance: false }
      batches.set(data.index, batch)
    }
    // A batch waits on a panel from its first event for it: the app may draw it before the
    // batch's `applied` arrives.
    if (name === 'book' && data.market === market) {
      if (batch.bookSeq === undefined) waiting.book.push(batch)
      batch.bookSeq = data.seq
    }
    if (name === 'trade' && data.market === market) {
      if (batch.tradeSeq === undefined) waiting.chart.push(batch)
      batch.tradeSeq = data.seq
    }
    if (name === 'balance' && !batch.balance) {
      batch.balance = true
      waiting.balances.push(batch)
      waiting.verified.push(batch)
    }
    if (name !== 'applied') return
    batch.arrival = now - batch.t0
    batches.delete(data.index)
    if (recording) recorded.push(batch)
  }

  // The app reads its stream with `fetch` (`web/src/lib/sseConnection.ts`): each `/events`
  // answer's body is teed, one branch for the app, the other parsed here as it arrives.
  const nativeFetch = window.fetch.bind(window)
  window.fetch = async (input, init) => {
    const response = await nativeFetch(input, init)
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (new URL(url, location.href).pathname !== '/events' || response.body === null) {
      return response
    }
    const [forApp, forProbe] = response.body.tee()
    readStream(forProbe).catch(() => undefined)
    const { status, statusText, headers } = response
    return new Response(forApp, { status, statusText, headers })
  }

  /** Parses SSE text as it arrives: an event's `event:` and `data:` lines, then a blank line. */
  const readStream = async (body: ReadableStream<Uint8Array>) => {
    const reader = body.getReader()
    const decoder = new TextDecoder()
    let rest = ''
    let name = 'message'
    let data: string[] = []
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      const lines = (rest + decoder.decode(value, { stream: true })).split(/\r?\n/)
      rest = lines.pop() ?? ''
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0 && names.includes(name)) onEvent(name, data.join('\n'))
          name = 'message'
          data = []
        } else if (line.startsWith('event:')) name = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      }
    }
  }

  const afterPaint = (done: () => void) =>
    requestAnimationFrame(() => {
      const channel = new MessageChannel()
      channel.port1.onmessage = done
      channel.port2.postMessage(0)
    })

  /** Batches of `panel` shown once the panel shows `reached` (per `key`). */
  const reach = (panel: Panel, reached: number, key: (batch: ProbeBatch) => number) => {
    const shown = waiting[panel].filter((batch) => key(batch) <= reached)
    if (shown.length === 0) return
    waiting[panel] = waiting[panel].filter((batch) => key(batch) > reached)
    const dom = performance.now()
    if (panel === 'book' || panel === 'chart') {
      for (const batch of shown) batch[`${panel}Dom`] = dom - batch.t0
    }
    afterPaint(() => {
      const now = performance.now()
      for (const batch of shown) batch[panel] = now - batch.t0
    })
  }

  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      const element = mutation.target as Element
      const value = Number(element.getAttribute(mutation.attributeName ?? ''))
      if (!Number.isFinite(value)) continue
      if (mutation.attributeName === 'data-seq') reach('book', value, (b) => b.bookSeq!)
      if (mutation.attributeName === 'data-drawn-seq') reach('chart', value, (b) => b.tradeSeq!)
      if (mutation.attributeName === 'data-shown-index') reach('balances', value, (b) => b.index)
      if (mutation.attributeName === 'data-index') reach('verified', value, (b) => b.index)
    }
  }).observe(document, {
    subtree: true,
    attributes: true,
    attributeFilter: ['data-seq', 'data-drawn-seq', 'data-shown-index', 'data-index'],
  })

  window.repaintProbe = {
    start() {
      recording = true
      startedAt = performance.now()
    },
    stop() {
      recording = false
      stoppedAt = performance.now()
      return { batches: recorded, longTasks, recordedMs: stoppedAt - startedAt, events }
    },
  }
}
