import { beforeAll, expect, it } from 'vitest'
import * as bls from './bls.ts'
import { initZellular } from './index.ts'
import { authMessage } from './messages.ts'
import type { OperatorSignatureRequest } from './network.ts'
import { buildTestCommittee } from './testing.ts'

beforeAll(() => initZellular())

it('gives the same operator-signature answers when it has seen the inputs before', () => {
  const { keys, network } = buildTestCommittee()
  const [alice, bob] = [keys[0]!, keys[1]!]
  const message = authMessage('{"app_name":"a","batches":[],"timestamp":1}')
  const signature = bls.formatPoint(bls.sign(alice.secret, message))
  const forged = bls.formatPoint(bls.sign(bob.secret, message))
  for (let round = 0; round < 3; round++) {
    expect(network.verifyOperatorSignature(alice.id, message, signature)).toBe(true)
    expect(network.verifyOperatorSignature(alice.id.toUpperCase(), message, signature)).toBe(true)
    // The same signature under another id, another message, or another node's signature.
    expect(network.verifyOperatorSignature(bob.id, message, signature)).toBe(false)
    expect(network.verifyOperatorSignature(alice.id, authMessage('other'), signature)).toBe(false)
    expect(network.verifyOperatorSignature(alice.id, message, forged)).toBe(false)
    expect(network.verifyOperatorSignature('0x' + '9'.repeat(40), message, signature)).toBe(false)
    expect(network.verifyOperatorSignature(alice.id, message, 'not a point')).toBe(false)
  }
})

it('answers each of several operator signatures checked together, forgeries included', () => {
  const { keys, network } = buildTestCommittee()
  const requests = keys.map((key, position) => {
    const message = authMessage(`{"app_name":"a","batches":[],"timestamp":${position}}`)
    return { id: key.id, message, signature: bls.formatPoint(bls.sign(key.secret, message)) }
  })
  const [a, b, c, d] = requests as [
    OperatorSignatureRequest,
    OperatorSignatureRequest,
    OperatorSignatureRequest,
    OperatorSignatureRequest,
  ]
  expect(network.verifyOperatorSignatures(requests)).toEqual([true, true, true, true])
  const mixed = [
    a,
    { ...b, signature: c.signature }, // c's signature claimed by b
    c,
    { ...d, id: '0x' + '9'.repeat(40) }, // not an operator
    { ...a, message: authMessage('other') },
    { ...b, signature: 'not a point' },
    d,
  ]
  expect(network.verifyOperatorSignatures(mixed)).toEqual([
    true,
    false,
    true,
    false,
    false,
    false,
    true,
  ])
  // Fresh inputs are not taken from memory: a new network gives the same answers.
  const fresh = buildTestCommittee().network
  expect(fresh.verifyOperatorSignatures(mixed)).toEqual(network.verifyOperatorSignatures(mixed))
})
