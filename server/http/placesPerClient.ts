/**
 * Places each client (a `clientKey`) holds at once, at most `perClientMax` each: event streams,
 * connections, held reads, unread answers. Whatever all clients share, one may not take it all.
 * Only clients holding a place are remembered, so it holds no more entries than places taken.
 */
export class PlacesPerClient {
  readonly #held = new Map<string, number>()

  constructor(readonly perClientMax: number) {}

  /** Whether `client` holds `perClientMax` places already. */
  isFull(client: string): boolean {
    return (this.#held.get(client) ?? 0) >= this.perClientMax
  }

  /**
   * Takes a place for `client`: the function that gives it back (once, however often called),
   * or undefined when the client holds `perClientMax` already.
   */
  open(client: string): (() => void) | undefined {
    if (this.isFull(client)) return undefined
    this.#held.set(client, (this.#held.get(client) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#held.get(client) ?? 1) - 1
      if (left > 0) this.#held.set(client, left)
      else this.#held.delete(client)
    }
  }
}
