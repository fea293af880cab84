import { statusResponseSchema, type StatusResponse } from '../../shared/api/index.ts'
import { sleep } from '../../shared/wait/index.ts'
import type { Divergence } from './divergenceWatch.ts'

/** Pause between two asks of the applier's `/status` (the README states the window it gives). */
const defaultPollMs = 1_000
/** How long one ask may take before it counts as unanswered. */
const defaultTimeoutMs = 1_000

/** Parameters of `ApplierDivergence`. */
interface ApplierDivergenceParameters {
  /** The applier's base URL, e.g. `http://127.0.0.1:5101`. */
  readonly applierUrl: string
  readonly log: (line: string) => void
  /**
   * Called when the applier's state may have been replaced since its last answer: it answers
   * with another `stateSession` (it restarted, on a healed database or not), or intact again
   * after a divergence. Signatures kept of the state before must go: the state at those indexes
   * may now be another.
   */
  readonly onStateReplaced: () => void
  /**
   * The divergence the applier recorded in the database this process reads (its meta
   * `divergence`); read when the applier does not answer. Rejects when it cannot be read.
   */
  readonly recorded?: () => Promise<Divergence | undefined>
  readonly pollMs?: number
  readonly timeoutMs?: number
  readonly fetch?: typeof fetch
}

/**
 * What an API process knows of its applier's divergence. Only the applier can find one (it
 * signs the roots `DivergenceWatch` checks against the peers'), and on PostgreSQL it stays
 * diverged, signing nothing, until its operator heals it; its API processes sign balances from
 * the same database, so they must stop too. `/status` is the applier's route that stays open
 * while diverged and says so (`diverged`), so this asks it: once at `start`, then a pause of
 * `pollMs` after each answer, each ask given `timeoutMs`. An ask that gets no valid answer (the
 * applier restarting, busy or unreachable) reads instead the divergence the applier recorded in
 * the database as it found it (`recorded`): so a process started while its applier is away
 * signs nothing of a state found diverged before. Without a record (or unable to read one) it
 * keeps the last verdict: a diverged applier stays diverged here until it answers without
 * `diverged`, and before any answer or record it is taken as intact. Each answer's `stateSession` is compared with the last one
 * seen, so an applier diverged and healed while this process did not hear from it (between two
 * asks, or while cut off) still has its state's signatures forgotten here.
 */
export class ApplierDivergence {
  readonly #parameters: ApplierDivergenceParameters
  #diverged: Divergence | undefined
  /** The applier's `stateSession` as of its last answer that had one. */
  #session: string | undefined
  /** Whether the last ask went unanswered (logged once per run of them). */
  #unanswered = false
  readonly #controller = new AbortController()
  #running: Promise<void> | undefined

  constructor(parameters: ApplierDivergenceParameters) {
    this.#parameters = parameters
  }

  /** The applier's divergence as of its last answer; undefined while it answers intact. */
  get diverged(): Divergence | undefined {
    return this.#diverged
  }

  /** Asks the applier now and then on until `stop`; resolves once the first ask has ended. */
  async start(): Promise<void> {
    if (this.#running !== undefined) return
    const first = this.ask()
    this.#running = first.then(() => this.follow())
    await first
  }

  async stop(): Promise<void> {
    this.#controller.abort()
    await this.#running
  }

  private async follow(): Promise<void> {
    const signal = this.#controller.signal
    while (!signal.aborted) {
      await sleep(this.#parameters.pollMs ?? defaultPollMs, signal)
      if (!signal.aborted) await this.ask()
    }
  }

  /** One ask of the applier's `/status`; never rejects. */
  private async ask(): Promise<void> {
    const { applierUrl, log } = this.#parameters
    const signal = this.#controller.signal
    let status: StatusResponse
    try {
      const doFetch = this.#parameters.fetch ?? globalThis.fetch
      const timeout = AbortSignal.timeout(this.#parameters.timeoutMs ?? defaultTimeoutMs)
      const response = await doFetch(`${applierUrl}/status`, {
        signal: AbortSignal.any([signal, timeout]),
      })
      if (!response.ok) {
        await response.body?.cancel()
        await this.#noAnswer(`answered ${response.status}`)
        return
      }
      status = statusResponseSchema.parse(await response.json())
    } catch (error) {
      if (signal.aborted) return
      await this.#noAnswer(error instanceof Error ? error.message : String(error))
      return
    }
    this.#unanswered = false
    const { diverged, stateSession } = status
    // Another session than the last seen: the applier restarted, or replaced its state.
    const seen = this.#session
    const anew = seen !== undefined && stateSession !== undefined && stateSession !== seen
    if (stateSession !== undefined) this.#session = stateSession
    if (diverged !== undefined && this.#diverged === undefined) {
      log(
        `the applier is diverged at index ${diverged.index}: this API process answers 503 ` +
          'replica_diverged until the applier answers intact',
      )
    }
    const intactAgain = diverged === undefined && this.#diverged !== undefined
    this.#diverged = diverged
    if (anew) {
      log(
        `the applier started anew or replaced its state (state session ${stateSession}): ` +
          'its signatures are forgotten',
      )
    }
    if (intactAgain) log('the applier answers intact again: this API process signs again')
    if (anew || intactAgain) this.#parameters.onStateReplaced()
  }

  /**
   * An ask without a valid answer: a divergence recorded in the database stands for the
   * applier's word, else the last verdict is kept; logged once per run of them.
   */
  async #noAnswer(reason: string): Promise<void> {
    const recorded = await this.#parameters.recorded?.().catch(() => undefined)
    if (recorded !== undefined && this.#diverged === undefined) {
      this.#parameters.log(
        `the database records a divergence at index ${recorded.index}: this API process ` +
          'answers 503 replica_diverged until the applier answers intact',
      )
      this.#diverged = recorded
    }
    if (!this.#unanswered) {
      const verdict = this.#diverged === undefined ? 'intact' : 'diverged'
      this.#parameters.log(
        `applier status: ${this.#parameters.applierUrl}/status: ${reason}; it stays ${verdict} here`,
      )
    }
    this.#unanswered = true
  }
}
