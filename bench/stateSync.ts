import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createExchange,
  restoreExchange,
  restoreParametersOf,
  takeStateSnapshot,
  type ExchangeConfig,
} from '../shared/exchange/index.ts'
import { signIntent, testAccount, testDomain } from '../shared/exchange/testing.ts'
import {
  createTokenRegistry,
  initKeccak,
  type Address,
  type TokenSymbol,
} from '../shared/intents/index.ts'
import { initSha256 } from '../shared/stateHash/index.ts'
import { parsePeerSnapshot } from '../server/replica/parsePeerSnapshot.ts'
import { ReplicaState } from '../server/replica/replicaState.ts'
import { SqliteStorage } from '../server/replica/store/sqliteStorage.ts'
import { ReplicaStore } from '../server/replica/store/replicaStore.ts'
import { registryHashOf } from '../shared/attest/index.ts'
import { benchGenesis, benchRegistry } from './applyHarness.ts'
import { environmentConfig, printSummary } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

/*
 * bench:state-sync — what state sync costs (`server/replica/stateSync.ts`): a state of
 * `accounts` accounts (USDT and ETH each, a nonce window of 5 each) and `orders` resting orders,
 * then each step a joining replica pays, timed in wall and CPU time: the peer takes the snapshot
 * from memory and serializes it (once per index, shared by every request), the joiner parses it
 * (`parsePeerSnapshot`: the bound on its cost, JSON, the API schema), rebuilds the exchange and
 * hashes it from scratch, and writes it into a fresh SQLite database (`installState`);
 * `rebuildAndHash` alone, after. The quorum root check (one aggregate BLS verification, ~12 ms
 * for 2 of 3) and the network are not in it.
 *
 *   npm run bench:state-sync                      # 100,000 accounts, 2,000 orders
 *   npm run bench:state-sync -- --accounts 2000 --orders 200
 */
const args = new BenchArguments(process.argv.slice(2))
const accountCount = args.number('accounts', 100_000, { integer: true, min: 1 })
const orderCount = args.number('orders', 2_000, { integer: true })
// The smoke test's flag (`bench/smokeRun.ts`) is taken; the sizes come from the other options.
args.flag('smoke')
args.finish()
await Promise.all([initKeccak(), initSha256()])

const traders = Array.from({ length: 100 }, (_, i) => testAccount(1_000 + i))
const registry = benchRegistry()
const genesis = benchGenesis(traders)
const config: ExchangeConfig = {
  domain: { app: registry.app, network: registry.network },
  genesis,
  markets: registry.markets,
}
const tokens = createTokenRegistry(genesis.tokens)

/** An exchange of `accountCount` funded accounts with nonce windows, and resting orders. */
function buildState() {
  const seed = createExchange(config)
  const address = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}` as Address
  const balances = [
    ...traders.flatMap((trader) => [
      {
        address: trader.address as Address,
        token: 'USDT' as TokenSymbol,
        available: 10n ** 15n,
        locked: 0n,
      },
      {
        address: trader.address as Address,
        token: 'ETH' as TokenSymbol,
        available: 10n ** 22n,
        locked: 0n,
      },
    ]),
    ...Array.from({ length: accountCount }, (_, i) => [
      {
        address: address(i),
        token: 'USDT' as TokenSymbol,
        available: BigInt(1_000 + i),
        locked: 0n,
      },
      { address: address(i), token: 'ETH' as TokenSymbol, available: BigInt(7 + i), locked: 0n },
    ]).flat(),
  ]
  const nonceWindows = Array.from({ length: accountCount }, (_, i) => ({
    signer: address(i),
    nonces: [1n, 2n, 3n, 4n, 5n].map((n) => BigInt(i) * 10n + n),
  }))
  const markets = registry.markets.map((market) => market.id)
  const exchange = restoreExchange(config, {
    ledger: { tokens: [...tokens.values()], issuer: seed.ledger.issuer, balances, nonceWindows },
    openOrders: [],
    bookSeqs: new Map(markets.map((market) => [market, 0])),
    tradeSeqs: new Map(markets.map((market) => [market, 0])),
    time: 0,
  })
  // Resting orders that never cross: bids below 2,000, asks above.
  for (let at = 0; at < orderCount; at += 100) {
    const batch = Array.from({ length: Math.min(100, orderCount - at) }, (_, k) => {
      const n = at + k
      const side = n % 2 === 0 ? 'buy' : 'sell'
      const price = side === 'buy' ? 1_900 + (n % 97) : 2_100 + (n % 97)
      return signIntent(traders[n % traders.length]!, tokens, {
        action: 'order',
        nonce: String(1 + Math.floor(n / traders.length)),
        market: 'ETH/USDT',
        side,
        type: 'limit',
        price: String(price),
        quantity: '0.01',
        timeInForce: 'GTC',
      })
    })
    exchange.applyBatch(JSON.stringify(batch), 1 + at / 100)
  }
  return exchange
}

/** Runs `step`, recording its wall and CPU time in ms under `name`. */
const results: Record<string, string | number> = {}
async function timed<T>(name: string, step: () => T | Promise<T>): Promise<T> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const value = await step()
  results[`${name}Ms`] = (performance.now() - started).toFixed(0)
  const used = process.cpuUsage(cpu)
  results[`${name}CpuMs`] = ((used.user + used.system) / 1000).toFixed(0)
  return value
}

const source = buildState()
const index = Math.ceil(orderCount / 100)
const position = { index, chainingHash: 'c'.repeat(32), time: 0 }
const rootHash = source.stateHash()
const total = performance.now()
const totalCpu = process.cpuUsage()
const body = await timed('take', () =>
  JSON.stringify(takeStateSnapshot(source, position, 'replica-1')),
)
results.snapshotBytes = body.length
// What a joining replica does with a peer's body: bound the parse's cost, parse, check.
const parsed = await timed('parse', () =>
  parsePeerSnapshot(Buffer.from(body), Number.POSITIVE_INFINITY),
)
if ('refused' in parsed) throw new Error(`the snapshot was refused: ${parsed.refused}`)
const { snapshot } = parsed
const dir = mkdtempSync(join(tmpdir(), 'bench-state-sync-'))
const storage = new SqliteStorage(new ReplicaStore(join(dir, 'replica.db')))
const root = {
  app: registry.app,
  network: registry.network,
  registryHash: registryHashOf(registry),
  ...position,
  stateHash: rootHash,
}
// Rebuild + hash + install, as `ReplicaState.openFromSnapshot` does them.
const state = await timed('rebuildHashAndInstall', () =>
  ReplicaState.openFromSnapshot(storage, { registry, genesis }, snapshot, root),
)
results.totalMs = (performance.now() - total).toFixed(0)
const used = process.cpuUsage(totalCpu)
results.totalCpuMs = ((used.user + used.system) / 1000).toFixed(0)
results.sameRoot = String(state.stateHash() === rootHash)
// The first part of that alone, for where the time goes: rebuilding the exchange and hashing it.
const markets = registry.markets.map((market) => market.id)
await timed('rebuildAndHash', () =>
  restoreExchange(
    config,
    restoreParametersOf(snapshot, [...tokens.values()], source.ledger.issuer, markets),
  ).stateHash(),
)
results.openOrders = snapshot.openOrders.length
results.balances = snapshot.balances.length
await storage.close()
rmSync(dir, { recursive: true, force: true })
printSummary(
  `state-sync-${accountCount}`,
  { accounts: accountCount, orders: orderCount, domain: testDomain.app, ...environmentConfig() },
  results,
)
