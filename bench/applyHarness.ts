import { devnetMarkets, devnetTokens } from '../shared/exchange/index.ts'
import { testAccount, testDomain, type TestAccount } from '../shared/exchange/testing.ts'
import type { ReplicaRegistry } from '../shared/api/index.ts'
import {
  createTokenRegistry,
  parseIntent,
  toBatchItem,
  type BatchItemEncoding,
  type WireIntent,
} from '../shared/intents/index.ts'

/*
 * What the apply benchmarks (bench:replica phase A, bench:state) share: the transfer pattern,
 * the genesis that funds it, the batch packing and a one-replica registry.
 */

/**
 * Transfer `n` of the pattern: account n mod A pays 0.25 USDT to account (7n + 3) mod A (the
 * next one if that is itself), with its (n div A)-th nonce after `firstNonce`: always affordable.
 */
export function transferOf(
  accounts: readonly TestAccount[],
  n: number,
  firstNonce: number,
): { from: TestAccount; fields: Record<string, string> } {
  const from = accounts[n % accounts.length]!
  const to = accounts[(n * 7 + 3) % accounts.length]!
  const target = to === from ? accounts[(n + 1) % accounts.length]! : to
  const nonce = String(firstNonce + Math.floor(n / accounts.length))
  return {
    from,
    fields: { action: 'transfer', nonce, to: target.address, token: 'USDT', amount: '0.25' },
  }
}

/** A genesis giving each account 1,000,000 USDT. */
export function benchGenesis(accounts: readonly TestAccount[]) {
  return {
    issuer: testAccount(1).address,
    tokens: [...devnetTokens],
    balances: accounts.map((account) => ({
      address: account.address,
      token: 'USDT',
      amount: '1000000',
    })),
  }
}

/** The batch items of wire intents in `encoding`, as a replica writes them (`toBatchItem`). */
export function batchItemsOf(
  intents: readonly WireIntent[],
  encoding: BatchItemEncoding = 'compact',
): string[] {
  const tokens = createTokenRegistry(devnetTokens)
  return intents.map((intent) => {
    const parsed = parseIntent(intent, tokens)
    if (!parsed.ok) throw new Error(`bench intent rejected: ${parsed.reason}`)
    return toBatchItem(parsed.value, encoding)
  })
}

/** Packs serialized batch items into batch bodies (JSON arrays) of at most `maxBytes`. */
export function packBatches(serialized: readonly string[], maxBytes: number): string[] {
  const bodies: string[] = []
  let items: string[] = []
  let bytes = 2
  for (const json of serialized) {
    if (items.length > 0 && bytes + json.length + 1 > maxBytes) {
      bodies.push(`[${items.join(',')}]`)
      items = []
      bytes = 2
    }
    bytes += json.length + (items.length > 0 ? 1 : 0)
    items.push(json)
  }
  if (items.length > 0) bodies.push(`[${items.join(',')}]`)
  return bodies
}

/** The registry of one benchmark replica (never contacted). */
export function benchRegistry(): ReplicaRegistry {
  return {
    ...testDomain,
    quorum: 1,
    replicas: [
      {
        id: 'replica-1',
        url: 'http://127.0.0.1:1',
        blsPublicKey: `0x${'a'.repeat(96)}`,
        blsProofOfPossession: `0x${'b'.repeat(192)}`,
      },
    ],
    tokens: [...devnetTokens],
    markets: [...devnetMarkets],
  }
}
