import type { BalanceProofResponse } from '../../../shared/api/index.ts'
import { fixtureIndex, fixtureRegistry, replicaIds } from '../../../shared/attest/testing.ts'
import {
  balanceLeaf,
  createExchange,
  devnetMarkets,
  devnetTokens,
  encodeProofHex,
} from '../../../shared/exchange/index.ts'

/*
 * A real exchange state and balance proofs of it as the replicas of `shared/attest/testing.ts`
 * answer `GET /balance_proof`, for the unit tests of the browser's balance verification (their
 * root attestations sign `fixtureStateHash`).
 */

export const holder = '0x00000000000000000000000000000000000000aa'
export const stranger = '0x00000000000000000000000000000000000000bb'
/** `holder`'s genesis balances, in base units. */
export const holderUsdt = 1_500_000_000n
export const holderEth = 2_000_000_000_000_000_000n

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
