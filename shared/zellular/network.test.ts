import { beforeAll, expect, it } from 'vitest'
import * as bls from './bls.ts'
import { initZellular } from './index.ts'
import { ProofError } from './errors.ts'
import { Network } from './network.ts'
import { nodesFileSchema } from './nodesFile.ts'
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

it("keeps the precomputed lines of the last nonsigner sets' keys, and frees those it drops", () => {
  // 20 operators of equal stake: a proof may leave out any one of them, 20 different signer
  // keys, of which the network keeps the last 16 with their lines (wasm memory each).
  const keys = Array.from({ length: 20 }, (_, position) => ({
    id: `0x${(position + 1).toString(16).padStart(40, '0')}`,
    secret: bls.secretKeyFromBigInt(BigInt(1_000 + position)),
  }))
  const nodes = Object.fromEntries(
    keys.map(({ id, secret }) => [
      id,
      {
        id,
        address: id,
        socket: 'http://127.0.0.1:1',
        stake: 10,
        ...bls.g2ToNodesFile(bls.publicKeyOf(secret)),
      },
    ]),
  )
  const network = new Network(nodesFileSchema.parse(nodes), 67)
  const before = bls.preparedPublicKeys()
  const message = 'a'.repeat(32)
  const signatures = keys.map(({ secret }) => bls.sign(secret, message))
  const proofWithout = (left: number) => ({
    signature: bls.formatPoint(bls.aggregateSignatures(signatures.filter((_, i) => i !== left))),
    nonsigners: [keys[left]!.id],
  })
  for (let round = 0; round < 2; round++) {
    for (let left = 0; left < keys.length; left++) {
      network.verifyAggregate(message, proofWithout(left))
      expect(bls.preparedPublicKeys() - before).toBe(Math.min(16, round * 20 + left + 1))
    }
  }
  // Set 0 left the cache again: its key is made and prepared anew, and checks as before.
  expect(() => network.verifyAggregate('b'.repeat(32), proofWithout(0))).toThrow(ProofError)
  network.verifyAggregate(message, proofWithout(0))
})

it('checks operator signatures in one pairing check, or stops at the first forged one', () => {
  const { keys, network } = buildTestCommittee()
  const message = authMessage('{"switch":1}')
  const votes = keys.map((key) => ({
    id: key.id,
    message,
    signature: bls.formatPoint(bls.sign(key.secret, message)),
  }))
  let before = bls.pairingChecks()
  expect(network.verifyOperatorSignatures(votes)).toBe(true)
  expect(bls.pairingChecks() - before).toBe(1)
  before = bls.pairingChecks()
  expect(network.verifyOperatorSignatures(votes)).toBe(true) // remembered
  expect(bls.pairingChecks()).toBe(before)
  // The first of four forged (another operator's signature in its name): together, then alone.
  const other = authMessage('{"switch":2}')
  const forged = keys.map((key, k) => ({
    id: key.id,
    message: other,
    signature: bls.formatPoint(bls.sign(keys[k === 0 ? 1 : k]!.secret, other)),
  }))
  before = bls.pairingChecks()
  expect(network.verifyOperatorSignatures(forged)).toBe(false)
  expect(bls.pairingChecks() - before).toBe(2)
  before = bls.pairingChecks()
  expect(network.verifyOperatorSignatures(forged)).toBe(false) // remembered: the first is bad
  expect(bls.pairingChecks()).toBe(before)
  expect(network.verifyOperatorSignatures([{ ...votes[0]!, signature: 'not a point' }])).toBe(false)
  expect(network.verifyOperatorSignatures([])).toBe(true)
})
