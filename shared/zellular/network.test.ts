import { beforeAll, expect, it } from 'vitest'
import * as bls from './bls.ts'
import { initZellular } from './index.ts'
import { authMessage } from './messages.ts'
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

type Request = { id: string; message: string; signature: string }

it('answers an operator signature, forgeries included, and the same again from memory', () => {
  const { keys, network } = buildTestCommittee()
  const requests = keys.map((key, position) => {
    const message = authMessage(`{"app_name":"a","batches":[],"timestamp":${position}}`)
    return { id: key.id, message, signature: bls.formatPoint(bls.sign(key.secret, message)) }
  })
  const [a, b, c, d] = requests as [Request, Request, Request, Request]
  const verified = (list: typeof requests) =>
    list.map(({ id, message, signature }) =>
      network.verifyOperatorSignature(id, message, signature),
    )
  expect(verified(requests)).toEqual([true, true, true, true])
  const mixed = [
    a,
    { ...b, signature: c.signature }, // c's signature claimed by b
    c,
    { ...d, id: '0x' + '9'.repeat(40) }, // not an operator
    { ...a, message: authMessage('other') },
    { ...b, signature: 'not a point' },
    d,
  ]
  const answers = [true, false, true, false, false, false, true]
  expect(verified(mixed)).toEqual(answers)
  const before = bls.pairingChecks()
  expect(verified(mixed)).toEqual(answers)
  expect(bls.pairingChecks()).toBe(before)
})
