import {
  monitorEventLoopDelay,
  performance,
  type EventLoopUtilization,
  type IntervalHistogram,
} from 'node:perf_hooks'

/** How often the watch samples the loop once started, in ms. */
const RESOLUTION_MS = 10

/** What the event loop did between two readings. */
export interface EventLoopReading {
  /** Share of the time the loop ran callbacks (not waiting for I/O or timers), in %. */
  readonly busyPercent: number
  /** How late the loop came back to a timer, p50, p99 and the worst, in ms. */
  readonly delayP50Ms: number
  readonly delayP99Ms: number
  readonly delayMaxMs: number
}

/**
 * How busy and how late this process's event loop was, for `bench:latency`: a request that
 * arrives while the loop runs other work waits for it, so a stage's time in a process is partly
 * what its loop made it wait. Off until the first reading: its sampling timer (every 10 ms)
 * would otherwise wake an idle process 100 times a second for nothing.
 */
export class EventLoopWatch {
  #histogram: IntervalHistogram | undefined
  #since: EventLoopUtilization | undefined

  /** Since the last reading (then from now on); undefined at the first, which starts the watch. */
  read(): EventLoopReading | undefined {
    const now = performance.eventLoopUtilization()
    const histogram = this.#histogram
    const since = this.#since
    this.#since = now
    if (histogram === undefined || since === undefined) {
      this.#histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
      this.#histogram.enable()
      return undefined
    }
    // A sample is the time between two wake-ups: the resolution itself is no delay.
    const lateMs = (nanoseconds: number) =>
      Math.round(Math.max(0, nanoseconds / 1e6 - RESOLUTION_MS) * 10) / 10
    const reading = {
      busyPercent: Math.round(performance.eventLoopUtilization(now, since).utilization * 1000) / 10,
      delayP50Ms: lateMs(histogram.percentile(50)),
      delayP99Ms: lateMs(histogram.percentile(99)),
      delayMaxMs: lateMs(histogram.max),
    }
    histogram.reset()
    return reading
  }
}
