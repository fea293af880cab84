/**
 * The event streams each client (IP address) holds open: one client may hold `perClientMax` of
 * the hub's streams, not all of them, which would cut every other user's live data. Only
 * clients with a stream open are remembered, so it holds no more entries than open streams.
 */
export class StreamsPerClient {
  readonly #open = new Map<string, number>()

  constructor(readonly perClientMax: number) {}

  /**
   * Counts a new stream of `client`: the function that gives its place back when it ends (once,
   * however often called), or undefined when the client holds `perClientMax` already.
   */
  open(client: string): (() => void) | undefined {
    const open = this.#open.get(client) ?? 0
    if (open >= this.perClientMax) return undefined
    this.#open.set(client, open + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#open.get(client) ?? 1) - 1
      if (left > 0) this.#open.set(client, left)
      else this.#open.delete(client)
    }
  }
}
