import { describe, expect, it } from 'vitest'
import { blsPublicKeyOf, verifyBalanceAttestation } from '../../shared/attest/index.ts'
import { BalanceSigner } from './balanceSigner.ts'
import { bob, testBlsKey } from './testing.ts'

const key = testBlsKey(1)
const identity = {
  app: 'orderbook',
  network: 'test',
  replicaId: 'replica-1',
  genesisHash: `0x${'01'.repeat(32)}`,
}
const free = { spend: () => undefined }
const at = { index: 7, chainingHash: 'ab'.repeat(16) }

describe('BalanceSigner', () => {
  it('signs the value read now, never a cached one of another value at the same position', () => {
    const signer = new BalanceSigner(key, identity)
    const sign = (available: bigint) =>
      signer.signAll(bob.address, [{ token: 'USDT', balance: { available, locked: 0n }, at }], free)
    const [before] = sign(10n)
    expect(sign(10n)).toEqual([before])
    expect(signer.hits).toBe(1)
    // The state at that index was replaced (healed) under the signer: another value there.
    const [after] = sign(1n)
    expect(after!.attestation).toMatchObject({ index: 7, available: '1' })
    const publicKey = blsPublicKeyOf(key)
    expect(verifyBalanceAttestation(after!.attestation, after!.signature, publicKey)).toBe(true)
    const json = signer.signJson(
      bob.address,
      { token: 'USDT', balance: { available: 1n, locked: 0n }, at },
      free,
    )
    expect(JSON.parse(json)).toEqual(after)
  })
})
