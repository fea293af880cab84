import { herumi } from './herumi.ts'
import { describe, expect, it } from 'vitest'
import { bls12_381 } from '@noble/curves/bls12-381'
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import {
  blsIdentityOf,
  blsPublicKeyOf,
  buildRootAttestationText,
  certifyRoot,
  createBlsVerifier,
  proofOfPossessionDigest,
  groupRootAnswers,
  registryHashOf,
  rootAttestationDigest,
  signRootAttestation,
  verifyRootCertificate,
  verifyRootQuorum,
  type HashedRegistry,
  type RootAttestation,
  type SignedRoot,
} from './index.ts'

const secretKeys = [1, 2, 3, 4].map((n) => new Uint8Array(32).fill(n))
const ids = ['replica-1', 'replica-2', 'replica-3', 'replica-4']
const registry: HashedRegistry = {
  app: 'zellular-orderbook',
  network: 'devnet',
  quorum: 2,
  replicas: ids.slice(0, 3).map((id, i) => ({ id, ...blsIdentityOf(secretKeys[i]!) })),
}
const registryHash = registryHashOf(registry)
const statement = {
  app: 'zellular-orderbook',
  network: 'devnet',
  registryHash,
  index: 42,
  chainingHash: '06b05ab6733a618578af5f94892f3950',
  time: 1_800_000_000_000,
  stateHash: `0x${'3e'.repeat(32)}`,
}
const verifier = createBlsVerifier(herumi)

function signed(position: number, override: Partial<RootAttestation> = {}): SignedRoot {
  return signRootAttestation(secretKeys[position]!, {
    ...statement,
    replicaId: ids[position]!,
    ...override,
  })
}

const verify = (attestations: unknown[], index = 42, trusted = registry) =>
  verifyRootQuorum({ registry: trusted, index, attestations, bls: verifier })

describe('root attestations', () => {
  it('have a fixed canonical text, digest and registry hash', () => {
    const attestation = { ...statement, replicaId: 'replica-1' }
    expect(buildRootAttestationText(attestation)).toBe(
      [
        'zellular-orderbook/root-attestation/v2',
        'zellular-orderbook',
        'devnet',
        registryHash,
        '42',
        '06b05ab6733a618578af5f94892f3950',
        '1800000000000',
        `0x${'3e'.repeat(32)}`,
      ].join('\n'),
    )
    // Test vectors of docs/state-commitment.md: a change of either text or its hashing shows.
    expect(registryHash).toMatchInlineSnapshot(
      `"0xa63c7142ba19fa64e9cbfdea5bcf1cd1f526b5e02dee5f2d6c20877a27d77146"`,
    )
    expect(rootAttestationDigest(attestation)).toMatchInlineSnapshot(
      `"0x1581d56c00ed657135405031dd8feef372492510f8c528a79e39df71a396b07a"`,
    )
    expect(() => buildRootAttestationText({ ...attestation, stateHash: '0x12' })).toThrow()
    expect(() => buildRootAttestationText({ ...attestation, chainingHash: 'x\n' })).toThrow()
    const genesis = { ...attestation, index: 0, chainingHash: '', time: 0 }
    expect(buildRootAttestationText(genesis)).toContain('\n0\n\n0\n')
  })

  it('are one message for every replica of a quorum: the replica id is not signed', () => {
    expect(signed(0).digest).toBe(signed(1).digest)
    expect(signed(0).digest).toBe(rootAttestationDigest(statement))
    expect(signed(0).signature).not.toBe(signed(1).signature)
  })

  it('come with registry keys that prove possession of their secret keys', () => {
    const [first] = registry.replicas
    // Test vector of docs/state-commitment.md.
    expect(first!.blsProofOfPossession).toBe(
      '0x88e622f45e027cf27f1d6b1ec7659253d0207bc1ffa0319db4e9db92fcebd02707a61c3d419d6081' +
        '39c5fa23e4fdf8f9126fd2f9c2fc4d322593aa15230eccbf8e75614a84485bc51d7fe0438ead7d6b' +
        '776c2f4bf38d07686810e85806645c13',
    )
    expect(proofOfPossessionDigest(first!.blsPublicKey)).toMatchInlineSnapshot(
      `"0xbd8f958007abed88259e2a669080d6baaa311d27918fa03ba5a317fc4db75f28"`,
    )
    expect(
      verifier.verify(
        hexToBytes(first!.blsPublicKey as Hex),
        hexToBytes(proofOfPossessionDigest(first!.blsPublicKey)),
        hexToBytes(first!.blsProofOfPossession as Hex),
      ),
    ).toBe(true)
    // Another key's proof, or a proof of another text, proves nothing.
    const borrowed = { ...registry.replicas[1]!, blsProofOfPossession: first!.blsProofOfPossession }
    const withBorrowed = { ...registry, replicas: [first!, borrowed, registry.replicas[2]!] }
    expect(verify([signed(0), signed(1)], 42, withBorrowed)).toEqual({
      ok: false,
      reason: 'unproven_key',
      replicaId: 'replica-2',
    })
    const rootSignature = signed(1).signature
    const wrongText = { ...registry.replicas[1]!, blsProofOfPossession: rootSignature }
    const withWrongText = { ...registry, replicas: [first!, wrongText, registry.replicas[2]!] }
    expect(verify([signed(0), signed(1)], 42, withWrongText)).toMatchObject({
      reason: 'unproven_key',
    })
    // A member that does not sign is not asked for its proof.
    expect(verify([signed(0), signed(2)], 42, withBorrowed)).toMatchObject({ ok: true })
  })

  it('refuse a rogue key, whose sum with an honest key is a key its owner holds', () => {
    // The attacker holds `own` and registers `rogue = own - honest`: the sum of the two keys is
    // `own`, so the attacker alone signs for both, unless the registry asks each key to prove
    // possession of its secret key, which the rogue key's owner does not have.
    const honest = registry.replicas[0]!
    const own = new Uint8Array(32).fill(9)
    const G1 = bls12_381.G1.ProjectivePoint
    const point = (hex: string) => G1.fromHex(hexToBytes(hex as Hex))
    const rogueKey = point(blsPublicKeyOf(own)).subtract(point(honest.blsPublicKey))
    const rogue = {
      id: 'replica-2',
      blsPublicKey: bytesToHex(rogueKey.toRawBytes(true)),
      blsProofOfPossession: blsIdentityOf(own).blsProofOfPossession,
    }
    const trusted = { ...registry, quorum: 2, replicas: [honest, rogue] }
    const rogueStatement = { ...statement, registryHash: registryHashOf(trusted) }
    const forged = signRootAttestation(own, { ...rogueStatement, replicaId: 'replica-2' })
    const keys = [honest.blsPublicKey, rogue.blsPublicKey].map((key) => hexToBytes(key as Hex))
    const digest = hexToBytes(rootAttestationDigest(rogueStatement))
    const sum = hexToBytes(forged.signature as Hex)
    // The forgery is what a same-message aggregate check alone accepts.
    expect(verifier.fastAggregateVerify(keys, digest, [sum])).toBe(true)
    const certificate = {
      statement: rogueStatement,
      signers: ['replica-1', 'replica-2'],
      aggregateSignature: forged.signature,
    }
    expect(
      verifyRootCertificate({ registry: trusted, index: 42, certificate, bls: verifier }),
    ).toEqual({
      ok: false,
      reason: 'unproven_key',
      replicaId: 'replica-2',
    })
  })

  it('hash the registry by its replicas, keys and quorum, not by its URLs', () => {
    const withUrls = {
      ...registry,
      replicas: registry.replicas.map((r, i) => ({ ...r, url: `http://127.0.0.1:${5001 + i}` })),
    }
    expect(registryHashOf(withUrls)).toBe(registryHash)
    expect(registryHashOf({ ...registry, quorum: 3 })).not.toBe(registryHash)
    const swapped = [registry.replicas[1]!, registry.replicas[0]!, registry.replicas[2]!]
    expect(registryHashOf({ ...registry, replicas: swapped })).not.toBe(registryHash)
  })

  it('verify as a quorum with one aggregate check, and name the root', () => {
    const result = verify([signed(0), signed(1)])
    expect(result).toEqual({
      ok: true,
      root: statement,
      signers: ['replica-1', 'replica-2'],
    })
    expect(verify([signed(2), signed(0), signed(1)])).toMatchObject({ ok: true })
  })

  it('reject wrong index, wrong domain, below quorum, duplicate or unknown signers', () => {
    expect(verify([signed(0), signed(1)], 43)).toEqual({
      ok: false,
      reason: 'wrong_index',
      replicaId: 'replica-1',
    })
    expect(verify([signed(0), signed(1, { index: 41 })])).toMatchObject({ reason: 'wrong_index' })
    for (const domain of [
      { app: 'other-app' },
      { network: 'testnet' },
      { registryHash: registryHashOf({ ...registry, quorum: 3 }) },
    ]) {
      expect(verify([signed(0), signed(1, domain)])).toEqual({
        ok: false,
        reason: 'wrong_domain',
        replicaId: 'replica-2',
      })
    }
    expect(verify([signed(0)])).toEqual({ ok: false, reason: 'below_quorum' })
    expect(verify([])).toEqual({ ok: false, reason: 'below_quorum' })
    expect(verify([signed(0), signed(1)], 42, { ...registry, quorum: 3 })).toMatchObject({
      reason: 'wrong_domain', // a registry hash covers the quorum: another quorum, another domain
    })
    expect(verify([signed(0), signed(0)])).toEqual({
      ok: false,
      reason: 'duplicate_signer',
      replicaId: 'replica-1',
    })
    expect(verify([signed(0), signed(3)])).toEqual({
      ok: false,
      reason: 'unknown_signer',
      replicaId: 'replica-4',
    })
  })

  it('reject disagreeing roots, bad signatures and malformed entries', () => {
    for (const other of [
      { stateHash: `0x${'3f'.repeat(32)}` },
      { chainingHash: 'ffffffffffffffffffffffffffffffff' },
      { time: statement.time + 1 },
    ]) {
      expect(verify([signed(0), signed(1, other)])).toEqual({
        ok: false,
        reason: 'disagreeing_roots',
        replicaId: 'replica-2',
      })
    }
    // Replica 2's signature over another root, presented as over the quorum's root.
    const lying = signed(1, { stateHash: `0x${'3f'.repeat(32)}` })
    const presented = { ...lying, attestation: { ...lying.attestation, ...statement } }
    expect(verify([signed(0), presented])).toEqual({ ok: false, reason: 'bad_signature' })
    // Replica 1's signature under replica 2's name.
    const borrowed = { ...signed(1), signature: signed(0).signature }
    expect(verify([signed(0), borrowed])).toEqual({ ok: false, reason: 'bad_signature' })
    expect(verify([signed(0), { ...signed(1), signature: '0x1234' }])).toEqual({
      ok: false,
      reason: 'malformed',
    })
    expect(verify([null, signed(1)])).toEqual({ ok: false, reason: 'malformed' })
  })

  it('group replicas answers by root, largest group first', () => {
    const other = signed(2, { stateHash: `0x${'3f'.repeat(32)}` })
    const groups = groupRootAnswers([signed(0), other, signed(1), signed(1), 'junk'], 42)
    expect(groups.map((group) => group.length)).toEqual([2, 1])
    expect(verify(groups[0]!)).toMatchObject({ ok: true })
    expect(groupRootAnswers([signed(0)], 41)).toEqual([])
  })
})

describe('root certificates', () => {
  const certificate = certifyRoot([signed(0), signed(2)])
  const check = (given: unknown, index = 42, trusted = registry) =>
    verifyRootCertificate({ registry: trusted, index, certificate: given, bls: verifier })

  it('carry a quorum root in one aggregate signature, checked with the registry alone', () => {
    expect(certificate.signers).toEqual(['replica-1', 'replica-3'])
    expect(certificate.statement).toEqual(statement)
    expect(certificate.aggregateSignature).toMatch(/^0x[0-9a-f]{192}$/)
    expect(check(certificate)).toEqual({ ok: true, root: statement, signers: certificate.signers })
    expect(check(JSON.parse(JSON.stringify(certificate)))).toMatchObject({ ok: true })
    // As many signers as the registry has: the signature of every one of them is in the sum.
    expect(check(certifyRoot([signed(0), signed(1), signed(2)]))).toMatchObject({ ok: true })
  })

  it('are refused when any part is tampered with', () => {
    const withStatement = (override: Partial<RootAttestation>) => ({
      ...certificate,
      statement: { ...statement, ...override },
    })
    const refused = (given: unknown, index = 42, trusted = registry) => {
      const result = check(given, index, trusted)
      return result.ok ? 'accepted' : result.reason
    }
    expect(refused(withStatement({ stateHash: `0x${'3f'.repeat(32)}` }))).toBe('bad_signature')
    expect(refused(withStatement({ chainingHash: 'ab'.repeat(16) }))).toBe('bad_signature')
    expect(refused(withStatement({ time: statement.time + 1 }))).toBe('bad_signature')
    expect(refused(certificate, 43)).toBe('wrong_index')
    expect(refused(withStatement({ network: 'mainnet' }))).toBe('wrong_domain')
    // Another signer set than the one whose signatures were added up.
    expect(refused({ ...certificate, signers: ['replica-1', 'replica-2'] })).toBe('bad_signature')
    expect(refused({ ...certificate, signers: ['replica-1'] })).toBe('below_quorum')
    expect(refused({ ...certificate, signers: ['replica-1', 'replica-1'] })).toBe(
      'duplicate_signer',
    )
    expect(refused({ ...certificate, signers: ['replica-1', 'replica-4'] })).toBe('unknown_signer')
    // A signature that is not the sum of the signers' (one of them alone).
    expect(refused({ ...certificate, aggregateSignature: signed(0).signature })).toBe(
      'bad_signature',
    )
    expect(refused({ ...certificate, aggregateSignature: '0x1234' })).toBe('malformed')
    expect(refused({ ...certificate, extra: 1 })).toBe('malformed')
    expect(refused(null)).toBe('malformed')
    // Certified under another registry (another key set): its hash is not the caller's.
    const other = { ...registry, replicas: registry.replicas.slice(0, 2) }
    expect(refused(certificate, 42, other)).toBe('wrong_domain')
  })
})
