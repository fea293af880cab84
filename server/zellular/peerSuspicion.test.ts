import { expect, it } from 'vitest'
import { PeerSuspicion } from './peerSuspicion.ts'

const BASE_MS = 5_000
const MAX_MS = 60_000

it('a first refusal is forgiven after the base time', () => {
  const suspicion = new PeerSuspicion(BASE_MS, MAX_MS)
  suspicion.suspect(['p'], 0)
  expect(suspicion.isSuspected('p', BASE_MS - 1)).toBe(true)
  expect(suspicion.isSuspected('p', BASE_MS)).toBe(false)
})

it('each repeated refusal doubles the time the peer is not asked, up to the cap', () => {
  const suspicion = new PeerSuspicion(BASE_MS, MAX_MS)
  let now = 0
  const expected = [5_000, 10_000, 20_000, 40_000, 60_000, 60_000]
  for (const forMs of expected) {
    suspicion.suspect(['p'], now)
    expect(suspicion.isSuspected('p', now + forMs - 1)).toBe(true)
    expect(suspicion.isSuspected('p', now + forMs)).toBe(false)
    now += forMs // refuses again the moment it is asked again
  }
})

it('a peer that stays clean for the cap after its suspicion starts over', () => {
  const suspicion = new PeerSuspicion(BASE_MS, MAX_MS)
  suspicion.suspect(['p'], 0)
  suspicion.suspect(['p'], BASE_MS) // second strike: 10 s, until 15 s
  const clean = BASE_MS + 2 * BASE_MS + MAX_MS
  suspicion.suspect(['p'], clean)
  expect(suspicion.isSuspected('p', clean + BASE_MS)).toBe(false)
})

it('a proven fault (a forged signature) excludes the peer for the cap at once', () => {
  const suspicion = new PeerSuspicion(BASE_MS, MAX_MS)
  suspicion.convict('p', 0)
  expect(suspicion.isSuspected('p', MAX_MS - 1)).toBe(true)
  expect(suspicion.isSuspected('p', MAX_MS)).toBe(false)
  expect(suspicion.isSuspected('q', 0)).toBe(false)
})
