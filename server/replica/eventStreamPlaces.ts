import { PlacesPerClient } from '../http/placesPerClient.ts'

/** A stream's hold on its client's places (`EventStreamPlaces.open`). */
export interface EventStreamPlace {
  /** The stream left the hub (dropped or reset): it holds no hub place another could be given. */
  leaveHub(): void
  /** The stream ended: its client's place is free (once, however often called). */
  release(): void
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
  /** Places taken, streams still ending included: what `perClientMax` bounds. */
  readonly #places: PlacesPerClient
  /** Each client's streams attached to the hub, oldest first (a `Set` keeps that order). */
  readonly #live = new Map<string, Set<{ readonly close: () => void }>>()

  constructor(readonly perClientMax: number) {
    this.#places = new PlacesPerClient(perClientMax)
  }

  /**
   * Takes a place for a stream of `client`, which `close` ends at once (leaving the hub) when
   * another client is given its place; undefined when `client` holds `perClientMax` already.
   */
  open(client: string, close: () => void): EventStreamPlace | undefined {
    const release = this.#places.open(client)
    if (release === undefined) return undefined
    const stream = { close }
    const live = this.#live.get(client) ?? new Set()
    this.#live.set(client, live.add(stream))
    const leaveHub = () => {
      live.delete(stream)
      if (live.size === 0 && this.#live.get(client) === live) this.#live.delete(client)
    }
    return {
      leaveHub,
      release: () => {
        leaveHub()
        release()
      },
    }
  }

  /**
   * For a stream `client` just opened (`open`) while the hub is full: closes the oldest stream of
   * the client with the most streams in the hub, if that client then still holds at least as
   * many as `client`. Returns whether it closed one. O(clients holding a place).
   */
  makeRoomFor(client: string): boolean {
    const mine = this.#live.get(client)?.size ?? 0
    let biggest: Set<{ readonly close: () => void }> | undefined
    for (const [key, live] of this.#live) {
      if (key !== client && live.size > (biggest?.size ?? 0)) biggest = live
    }
    if (biggest === undefined || mine >= biggest.size) return false
    const [oldest] = biggest
    biggest.delete(oldest!)
    oldest!.close()
    return true
  }
}
