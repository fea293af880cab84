import { describe, expect, it } from 'vitest'
import { EventStreamPlaces } from './eventStreamPlaces.ts'

describe('EventStreamPlaces', () => {
  it("closes the biggest holder's oldest stream in the hub for a client with fewer", () => {
    const places = new EventStreamPlaces(3)
    const closed: string[] = []
    const open = (client: string, name: string) => places.open(client, () => closed.push(name))
    open('a', 'a1')
    open('a', 'a2')
    open('a', 'a3')
    open('b', 'b1')
    expect(open('a', 'a4')).toBeUndefined()

    // c holds one (the stream it just opened): a, with three, gives up its oldest.
    open('c', 'c1')
    expect(places.makeRoomFor('c')).toBe(true)
    expect(closed).toEqual(['a1'])
    // a and c now hold two and one in the hub: c's next stream would tie with a, the biggest.
    open('c', 'c2')
    expect(places.makeRoomFor('c')).toBe(false)
    expect(closed).toEqual(['a1'])
  })

  it('never closes a stream that already left the hub, and frees a place once it ends', () => {
    const places = new EventStreamPlaces(2)
    const closed: string[] = []
    const first = places.open('a', () => closed.push('a1'))!
    places.open('a', () => closed.push('a2'))
    // a1 was reset (a slow consumer) and is still ending: a2 is the stream to close.
    first.leaveHub()
    places.open('b', () => closed.push('b1'))
    expect(places.makeRoomFor('b')).toBe(false)
    expect(closed).toEqual([])
    // Still ending, a1 counts against a's cap until it is released (once).
    expect(places.open('a', () => {})).toBeUndefined()
    first.release()
    first.release()
    expect(places.open('a', () => {})).toBeDefined()
    expect(places.open('a', () => {})).toBeUndefined()
  })
})
