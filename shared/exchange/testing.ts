import { createRequire } from 'node:module'
import { bytesToHex, type Hex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import type { BalanceProof, OrderProof, OrderView, ProvenBalancesResponse } from '../api/index.ts'
// eslint-disable-next-line project/module-boundaries -- the BLS-free part of attest's fixture
import { fixtureDomain, fixtureIndex, replicaIds } from '../attest/fixtureIdsTesting.ts'
import {
  buildIntentText,
  hashPersonalMessage,
  parseUnsignedIntent,
  toWireIntent,
  type IntentId,
  type IntentSignature,
  type TokenRegistry,
  type WireIntent,
} from '../intents/index.ts'
import { devnetMarkets, type MatchingEngine } from '../orderbook/index.ts'
import { createExchange } from './createExchange.ts'
import type { EngineOperation } from './engineOperations.ts'
import type { Exchange } from './exchange.ts'
import { devnetTokens } from './markets.ts'
import { balanceLeaf, orderLeaf } from './stateLeaves.ts'
import { encodeProofHex } from './verifyExchangeStateProof.ts'

/*
 * Helpers for tests and benchmarks only; not exported from the module façade. Signing uses the
 * native libsecp256k1 addon (about 30k signatures per second), so tests can sign thousands.
 */

type Secp256k1 = typeof import('secp256k1')
const secp256k1 = createRequire(import.meta.url)('secp256k1') as Secp256k1

/** A test account: private key bytes and canonical address. */
export interface TestAccount {
  readonly privateKey: Uint8Array
  readonly address: `0x${string}`
}

/** A deterministic account from a small seed number (key = seed as 32 big-endian bytes). */
export function testAccount(seed: number): TestAccount {
  const hex = `0x${seed.toString(16).padStart(64, '0')}` as const
  return {
    privateKey: Uint8Array.from(Buffer.from(hex.slice(2), 'hex')),
    address: privateKeyToAddress(hex).toLowerCase() as `0x${string}`,
  }
}

/** The devnet intent domain used by tests. */
export const testDomain = { app: 'zellular-orderbook', network: 'devnet' } as const

/**
 * Builds and signs a wire intent like a wallet would (EIP-191 over `buildIntentText`). `fields`
 * are the action's wire fields; the header (signer, app, network, version) is filled in.
 */
export function signIntent(
  account: TestAccount,
  tokens: TokenRegistry,
  fields: Record<string, string>,
  domain: { readonly app: string; readonly network: string } = testDomain,
): WireIntent {
  const wire = { ...fields, ...domain, signer: account.address, version: 1 }
  const parsed = parseUnsignedIntent(wire, tokens)
  if (!parsed.ok) throw new Error(`test intent rejected: ${parsed.reason} ${parsed.field ?? ''}`)
  const hash = hashPersonalMessage(buildIntentText(parsed.value))
  const { signature, recid } = secp256k1.ecdsaSign(hash, account.privateKey)
  const bytes = new Uint8Array(65)
  bytes.set(signature)
  bytes[64] = 27 + recid
  return toWireIntent({ intent: parsed.value, signature: bytesToHex(bytes) as IntentSignature })
}

/**
 * The exchange configuration of the trading tests: the devnet tokens and markets, each of
 * `traders` holding 1,000,000 USDT and 500 ETH at genesis, the issuer `testAccount(1)`.
 */
export function tradingConfig(traders: readonly TestAccount[]) {
  const genesis = {
    issuer: testAccount(1).address,
    tokens: [...devnetTokens],
    balances: traders.flatMap((t) => [
      { address: t.address, token: 'USDT', amount: '1000000' },
      { address: t.address, token: 'ETH', amount: '500' },
    ]),
  }
  return { domain: testDomain, genesis, markets: devnetMarkets }
}

/**
 * A signed GTC limit order on ETH/USDT: `price` in USDT per ETH, `quantity` in ETH (a decimal
 * string, e.g. `'0.01'`).
 */
export function signLimitOrder(
  account: TestAccount,
  tokens: TokenRegistry,
  order: { nonce: number | string; side: string; price: number | string; quantity: string },
): WireIntent {
  return signIntent(account, tokens, {
    action: 'order',
    nonce: String(order.nonce),
    market: 'ETH/USDT',
    side: order.side,
    type: 'limit',
    price: String(order.price),
    quantity: order.quantity,
    timeInForce: 'GTC',
  })
}

/**
 * Records every operation `engine` accepts from now on, in order: what replicas stored in
 * `engine_operations` before migration 0008, for the tests of the replay that still upgrades
 * such a database (`restoreExchange` without book sequence numbers). The real engine runs; each
 * accepted place, cancel and cancel-all is also pushed to the list returned.
 */
export function recordEngineOperations(engine: MatchingEngine): EngineOperation[] {
  const operations: EngineOperation[] = []
  const place = engine.place.bind(engine)
  const cancel = engine.cancel.bind(engine)
  const cancelAll = engine.cancelAll.bind(engine)
  engine.place = (order) => {
    const result = place(order)
    if (result.ok) operations.push({ kind: 'place', order })
    return result
  }
  engine.cancel = (parameters) => {
    const result = cancel(parameters)
    if (result.ok) operations.push({ kind: 'cancel', cancel: parameters })
    return result
  }
  engine.cancelAll = (parameters) => {
    const result = cancelAll(parameters)
    // One that cancels nothing is refused by the exchange (`no_open_orders`), so never stored.
    if (result.ok && result.events.length > 0) {
      operations.push({ kind: 'cancelAll', cancelAll: parameters })
    }
    return result
  }
  return operations
}

/*
 * A real exchange state and proofs of it as the replicas of `shared/attest/testing.ts` answer
 * `GET /balances?proof=1` and `GET /orders?proof=1` at its `fixtureIndex`, for the tests of the
 * proof judges here and of the web app's balance verification (their root attestations sign
 * `provenState().root.stateHash`).
 */

export const holder = '0x00000000000000000000000000000000000000aa'
export const stranger = '0x00000000000000000000000000000000000000bb'
/** `holder`'s genesis balances, in base units. */
export const holderUsdt = 1_500_000_000n
export const holderEth = 2_000_000_000_000_000_000n
/** The owner of the one open order, `provenState().openOrderId`. */
export const orderOwner = testAccount(7)

/** The proven state: the exchange, its one open order and the root its replicas sign. */
interface ProvenState {
  readonly exchange: Exchange
  /** `orderOwner`'s resting buy of 0.01 ETH at 1990 USDT. */
  readonly openOrderId: IntentId
  /** The root the fixture's replicas sign, as the proof judges take it. */
  readonly root: { readonly index: number; readonly stateHash: Hex }
}

let proven: ProvenState | undefined

/**
 * The proven state, built on first use and shared after: most importers of this file want
 * accounts and signed intents only, and skip building an exchange and signing its order.
 */
export function provenState(): ProvenState {
  proven ??= buildProvenState()
  return proven
}

function buildProvenState(): ProvenState {
  const exchange = createExchange({
    domain: fixtureDomain,
    genesis: {
      issuer: '0x00000000000000000000000000000000000000ff',
      tokens: [...devnetTokens],
      balances: [
        { address: holder, token: 'USDT', amount: '1500' },
        { address: holder, token: 'ETH', amount: '2' },
        { address: orderOwner.address, token: 'USDT', amount: '1000' },
      ],
    },
    markets: devnetMarkets,
  })
  const order = signIntent(orderOwner, exchange.ledger.tokens, {
    action: 'order',
    nonce: '1',
    market: 'ETH/USDT',
    side: 'buy',
    type: 'limit',
    price: '1990',
    quantity: '0.01',
    timeInForce: 'GTC',
  })
  const openOrderId = exchange.applyBatch(JSON.stringify([order]), 1).receipts[0]!.intentId
  return { exchange, openOrderId, root: { index: fixtureIndex, stateHash: exchange.stateHash() } }
}

/** Replica `position`'s honest proof of one balance (`splitBalanceProofs`); `patch`: a lie. */
export function balanceProofBody(
  position: number,
  address: string,
  token: string,
  patch: Partial<BalanceProof> = {},
): BalanceProof {
  const { exchange } = provenState()
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
    proof: encodeProofHex(proven.proof),
    ...patch,
  }
}

/** Replica `position`'s honest proof of one order (`splitOrderProofs`); `patch` makes it lie. */
export function orderProofBody(
  position: number,
  orderId: string,
  patch: Partial<OrderProof> = {},
): OrderProof {
  const [key] = orderLeaf(orderId, undefined, undefined)
  const proven = provenState().exchange.stateProof(key)!
  return {
    replicaId: replicaIds[position]!,
    orderId,
    index: fixtureIndex,
    stateHash: proven.stateHash,
    value: proven.value ?? null,
    proof: encodeProofHex(proven.proof),
    ...patch,
  }
}

/** Replica `position`'s honest `GET /balances?address&proof=1` answer, every devnet token. */
export function provenBalancesBody(position: number, address: string): ProvenBalancesResponse {
  const tokens = devnetTokens.map((token) => token.symbol)
  const [first, ...rest] = tokens.map((token) => balanceProofBody(position, address, token))
  const { replicaId, index, stateHash } = first!
  const balances = [first!, ...rest].map(({ token, available, locked, proof }) => ({
    token,
    available,
    locked,
    proof,
  }))
  return { replicaId, address, index, stateHash, balances }
}

/**
 * Replica `position`'s honest page of `GET /orders?address&proof=1` listing `orderIds` as open,
 * each proven (only the fields `splitOrderProofs` reads of the listed orders).
 */
export function provenOrdersPage(position: number, address: string, orderIds: readonly string[]) {
  const proven = orderIds.map((orderId) => orderProofBody(position, orderId))
  return {
    address,
    index: fixtureIndex,
    orders: orderIds.map((orderId) => ({ orderId, status: 'open' })),
    next: null,
    proofs: {
      replicaId: replicaIds[position]!,
      index: fixtureIndex,
      stateHash: provenState().root.stateHash,
      orders: proven.map(({ orderId, value, proof }) => ({ orderId, value, proof })),
    },
  }
}

/**
 * An order as `GET /orders` lists it: by default an open buy of 0.01 ETH at 1990 USDT by
 * `orderOwner`, placed at index 1, without fills.
 */
export function listedOrder(patch: Partial<OrderView> & Pick<OrderView, 'orderId'>): OrderView {
  return {
    market: 'ETH/USDT',
    owner: orderOwner.address,
    side: 'buy',
    type: 'limit',
    timeInForce: 'GTC',
    price: '1990000000',
    quantity: '10000000000000000',
    filled: '0',
    remaining: '10000000000000000',
    status: 'open',
    placedIndex: 1,
    updatedIndex: 1,
    fills: [],
    fillsTruncated: false,
    ...patch,
  }
}
