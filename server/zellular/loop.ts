/**
 * Runs `task` every `intervalMs` once started, never overlapping itself; `wake` runs it at once
 * (or right after the current run) instead of waiting out the interval, but never sooner than
 * `wakeGapMs` after the last run started; `stop` waits for the running one. A failing run is
 * logged and the loop goes on. `intervalMs` may be a function, asked after each run: a loop
 * whose work arrives with a `wake` can wait longer while it has none.
 */
import type { Clock } from './clock.ts'

export class Loop {
  #started = false
  #stopped = false
  #busy = false
  #again = false
  #wakeSoon = false
  #cancelTimer: () => void = () => {}
  #running: Promise<void> = Promise.resolve()
  /** When the last run started (`performance.now()`), for the gap a wake keeps. */
  #startedAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly intervalMs: number | (() => number),
    private readonly task: () => Promise<void>,
    private readonly clock: Clock,
    private readonly wakeGapMs = 0,
  ) {}

  start(): void {
    if (this.#started) return
    this.#started = true
    this.#cancelTimer = this.clock.after(this.interval(), () => this.tick())
  }

  private interval(): number {
    return typeof this.intervalMs === 'number' ? this.intervalMs : this.intervalMs()
  }

  wake(): void {
    if (!this.#started || this.#stopped) return
    if (this.#busy) {
      this.#again = true
      return
    }
    const gap = this.#startedAt + this.wakeGapMs - performance.now()
    if (gap <= 0) {
      this.tick()
      return
    }
    // Too soon after the last run: the next one starts when the gap is over (sooner than the
    // interval's timer, which this replaces).
    this.#cancelTimer()
    this.#cancelTimer = this.clock.after(gap, () => this.tick())
  }

  /**
   * `wake`, once the current turn of the event loop is over: the caller (a request handler) has
   * its answer to send first, and a run starts with synchronous work (a round signs its requests).
   * Several calls in one turn wake once.
   */
  wakeSoon(): void {
    if (this.#wakeSoon) return
    this.#wakeSoon = true
    setImmediate(() => {
      this.#wakeSoon = false
      this.wake()
    })
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#cancelTimer()
    await this.#running
  }

  private tick(): void {
    this.#cancelTimer()
    const startedAt = performance.now()
    this.#startedAt = startedAt
    this.#busy = true
    this.#again = false
    this.#running = this.task()
      .catch((error: unknown) => console.error(error))
      .finally(() => {
        this.#busy = false
        if (this.#stopped) return
        const gap = Math.max(0, startedAt + this.wakeGapMs - performance.now())
        if (this.#again && gap === 0) {
          // Woken while busy and no gap left to keep: the next run is the next thing to do,
          // not a timer of the clock (at least a millisecond, and never on a test's clock).
          const immediate = setImmediate(() => this.tick())
          this.#cancelTimer = () => clearImmediate(immediate)
          return
        }
        const delay = this.#again ? gap : this.interval()
        this.#cancelTimer = this.clock.after(delay, () => this.tick())
      })
  }
}
