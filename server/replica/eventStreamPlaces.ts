/** A stream's hold on its client's places (`EventStreamPlaces.open`). */
export interface EventStreamPlace {
  /** The stream left the hub (dropped or reset): it holds no hub place another could be given. */
  leaveHub(): void
  /** The stream ended: its client's place is free (once, however often called). */
  release(): void
}

interface Holder {
  /** Places taken, streams still ending included: what `perClientMax` bounds. */
  held: number
  /** The streams of this client attached to the hub, oldest first (a `Set` keeps that order). */
  readonly live: Set<{ readonly close: () => void }>
}

/**
 * The event streams each client (a `clientKey`) holds: at most `perClientMax` each, and fair
 * shares of a full hub. SSE clients reconnect, so a stream may be closed where accepted work
 * may not: when the hub is full, a client holding fewer of its streams than the biggest holder
 * takes the place of that holder's oldest stream (max-min fairness), unless it would then hold
 * as many as that holder had (it would become the biggest holder itself). So a few addresses
 * cannot keep every stream, however many they opened first. Only clients holding a place are
 * remembered: entries never outnumber the streams open.
 */
export class EventStreamPlaces {
  readonly #holders = new Map<string, Holder>()

  constructor(readonly perClientMax: number) {}

  /**
   * Takes a place for a stream of `client`, which `close` ends at once (leaving the hub) when
   * another client is given its place; undefined when `client` holds `perClientMax` already.
   */
  open(client: string, close: () => void): EventStreamPlace | undefined {
    const holder = this.#holders.get(client) ?? { held: 0, live: new Set() }
    if (holder.held >= this.perClientMax) return undefined
    holder.held += 1
    this.#holders.set(client, holder)
    const stream = { close }
    holder.live.add(stream)
    let released = false
    return {
      leaveHub: () => holder.live.delete(stream),
      release: () => {
        if (released) return
        released = true
        holder.live.delete(stream)
        holder.held -= 1
        if (holder.held === 0) this.#holders.delete(client)
      },
    }
  }

  /**
   * For a stream `client` just opened (`open`) while the hub is full: closes the oldest stream of
   * the client with the most streams in the hub, if that client then still holds at least as
   * many as `client`. Returns whether it closed one. O(clients holding a place).
   */
  makeRoomFor(client: string): boolean {
    const mine = this.#holders.get(client)?.live.size ?? 0
    let biggest: Holder | undefined
    for (const [key, holder] of this.#holders) {
      if (key !== client && holder.live.size > (biggest?.live.size ?? 0)) biggest = holder
    }
    if (biggest === undefined || mine >= biggest.live.size) return false
    const [oldest] = biggest.live
    biggest.live.delete(oldest!)
    oldest!.close()
    return true
  }
}
