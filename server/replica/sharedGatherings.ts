import { rejection } from './apiError.ts'

/**
 * Gatherings from the peers (a root certificate, an aggregate balance) under way, by what they
 * gather: requests for the same thing share one, and beyond `max` distinct ones a request is
 * refused with 503 `overloaded` instead of making this replica ask its peers again.
 */
export class SharedGatherings<Result> {
  readonly #running = new Map<string, Promise<Result>>()

  constructor(
    private readonly max: number,
    /** What is gathered, for the refusal's message (e.g. `root certificates`). */
    private readonly what: string,
  ) {}

  /** The gathering of `key` under way, or a new one started with `gather`. */
  run(key: string, gather: () => Promise<Result>): Promise<Result> {
    const shared = this.#running.get(key)
    if (shared !== undefined) return shared
    if (this.#running.size >= this.max) {
      throw rejection('overloaded', undefined, `too many ${this.what} being gathered`)
    }
    const gathered = gather().finally(() => this.#running.delete(key))
    this.#running.set(key, gathered)
    return gathered
  }
}
