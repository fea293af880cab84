import bls from '@chainsafe/bls/herumi'
import type { BalanceProofResponse } from '../../../shared/api/index.ts'
import {
  blsPublicKeyOf,
  createBlsVerifier,
  registryHashOf,
  signRootAttestation,
  type BlsVerifier,
  type RootAttestation,
  type SignedRoot,
} from '../../../shared/attest/index.ts'
import {
  balanceLeaf,
  createExchange,
  devnetMarkets,
  devnetTokens,
  encodeProofHex,
} from '../../../shared/exchange/index.ts'

/*
 * A real exchange state with three replicas' BLS keys: signed root attestations of its state
 * hash and balance proofs as `GET /root` and `GET /balance_proof` answer them, for the unit
 * tests of the browser's balance verification.
 */

export const fixtureIndex = 42
export const holder = '0x00000000000000000000000000000000000000aa'
export const stranger = '0x00000000000000000000000000000000000000bb'
/** `holder`'s genesis balances, in base units. */
export const holderUsdt = 1_500_000_000n
export const holderEth = 2_000_000_000_000_000_000n

const secretKeys = [1, 2, 3].map((n) => new Uint8Array(32).fill(n))
export const replicaIds = ['replica-1', 'replica-2', 'replica-3'] as const

export const fixtureRegistry = {
  app: 'zellular-orderbook',
  network: 'devnet',
  quorum: 2,
  replicas: replicaIds.map((id, i) => ({ id, blsPublicKey: blsPublicKeyOf(secretKeys[i]!) })),
}

const exchange = createExchange({
  domain: { app: fixtureRegistry.app, network: fixtureRegistry.network },
  genesis: {
    issuer: '0x00000000000000000000000000000000000000ff',
    tokens: [...devnetTokens],
    balances: [
      { address: holder, token: 'USDT', amount: '1500' },
      { address: holder, token: 'ETH', amount: '2' },
    ],
  },
  markets: devnetMarkets,
})
export const fixtureStateHash = exchange.stateHash()

/** A verifier that counts the BLS checks it makes (cache hits included). */
export function countingVerifier(): BlsVerifier & { single: number; aggregate: number } {
  const real = createBlsVerifier(bls)
  const counted = {
    single: 0,
    aggregate: 0,
    verify: (...args: Parameters<BlsVerifier['verify']>) => {
      counted.single += 1
      return real.verify(...args)
    },
    verifyAggregate: (...args: Parameters<BlsVerifier['verifyAggregate']>) => {
      counted.aggregate += 1
      return real.verifyAggregate(...args)
    },
  }
  return counted
}

/** Replica `position`'s `GET /root?index` answer; `override` changes what it signs. */
export function signedRoot(position: number, override: Partial<RootAttestation> = {}): SignedRoot {
  return signRootAttestation(secretKeys[position]!, {
    app: fixtureRegistry.app,
    network: fixtureRegistry.network,
    registryHash: registryHashOf(fixtureRegistry),
    replicaId: replicaIds[position]!,
    index: fixtureIndex,
    chainingHash: '06b05ab6733a618578af5f94892f3950',
    time: 1_800_000_000_000,
    stateHash: fixtureStateHash,
    ...override,
  })
}

/** Replica `position`'s honest `GET /balance_proof` answer; `patch` makes it lie. */
export function balanceProofBody(
  position: number,
  address: string,
  token: string,
  patch: Partial<BalanceProofResponse> = {},
): BalanceProofResponse {
  const balance = exchange.ledger.balance(address, token)
  const [key, value] = balanceLeaf(address, token, balance)
  const proven = exchange.stateProof(key, { value })!
  return {
    replicaId: replicaIds[position]!,
    address,
    token,
    available: balance.available.toString(),
    locked: balance.locked.toString(),
    index: fixtureIndex,
    stateHash: proven.stateHash,
    key,
    value: value ?? null,
    proof: encodeProofHex(proven.proof),
    ...patch,
  }
}
