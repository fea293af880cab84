/*
 * `bench:browser --only=repaint --trace`: where the page's main thread spends its time, from a
 * Chromium trace (Chrome's JSON trace format). The Performance metrics the bench prints name
 * only script, style and layout; the rest of a renderer task (paint, layerizing, committing to
 * the compositor, the collector) shows here by trace event name.
 */

/** The fields of a trace event this summary reads. */
export interface TraceEvent {
  readonly name: string
  /** 'X': complete (with `dur`), 'B'/'E': begin and end, 'M': metadata. */
  readonly ph: string
  readonly pid: number
  readonly tid: number
  /** Microseconds. */
  readonly ts: number
  readonly dur?: number
  readonly args?: { readonly name?: string }
}

/** Self time of one event name on a thread: its own time, its children's taken out. */
export interface SelfTime {
  readonly name: string
  readonly selfMs: number
  readonly count: number
}

/**
 * The main thread of the renderer that ran the most: `CrRendererMain` threads named by the
 * trace's metadata, the busiest by its top-level events' time (the page's, not an idle
 * extension or a blank tab).
 */
export function busiestRendererMain(
  events: readonly TraceEvent[],
): { pid: number; tid: number } | undefined {
  const mains = new Set<string>()
  for (const event of events) {
    if (event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain')
      mains.add(`${event.pid}:${event.tid}`)
  }
  const busy = new Map<string, number>()
  for (const event of events) {
    const key = `${event.pid}:${event.tid}`
    if (event.ph === 'X' && mains.has(key)) busy.set(key, (busy.get(key) ?? 0) + (event.dur ?? 0))
  }
  const [best] = [...busy.entries()].sort((a, b) => b[1] - a[1])
  if (best === undefined) return undefined
  const [pid, tid] = best[0].split(':').map(Number)
  return { pid: pid!, tid: tid! }
}

/**
 * Self time per event name on one thread, most first. Complete events nest by time on a
 * thread; an event's self time is its duration less its direct children's. Begin/end pairs are
 * not read (the timeline's main-thread work is written as complete events).
 */
export function selfTimeByName(
  events: readonly TraceEvent[],
  thread: { pid: number; tid: number },
): SelfTime[] {
  const complete = events
    .filter(
      (event) =>
        event.ph === 'X' &&
        event.pid === thread.pid &&
        event.tid === thread.tid &&
        event.dur !== undefined,
    )
    // Parents first: earlier start, then the longer of two that start together.
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!)
  const totals = new Map<string, { self: number; count: number }>()
  const open: { event: TraceEvent; end: number; children: number }[] = []
  const close = (entry: { event: TraceEvent; children: number }) => {
    const total = totals.get(entry.event.name) ?? { self: 0, count: 0 }
    total.self += entry.event.dur! - entry.children
    total.count += 1
    totals.set(entry.event.name, total)
  }
  for (const event of complete) {
    while (open.length > 0 && open.at(-1)!.end <= event.ts) close(open.pop()!)
    const parent = open.at(-1)
    if (parent !== undefined) parent.children += event.dur!
    open.push({ event, end: event.ts + event.dur!, children: 0 })
  }
  while (open.length > 0) close(open.pop()!)
  return [...totals.entries()]
    .map(([name, total]) => ({ name, selfMs: total.self / 1000, count: total.count }))
    .sort((a, b) => b.selfMs - a.selfMs)
}
