import { describe, expect, it } from 'vitest'
import { signIntent } from '../../../shared/exchange/testing.ts'
import { intentId, type Address } from '../../../shared/intents/index.ts'
import {
  fullStateHash,
  takeStateSnapshot,
  type BatchEffects,
} from '../../../shared/exchange/index.ts'
import { registryHashOf } from '../../../shared/attest/index.ts'
import {
  snapshotLedger,
  type LedgerSnapshot,
  type UsedNonce,
} from '../../../shared/ledger/index.ts'
import { ReplicaState } from '../replicaState.ts'
import { alice, bob, testGenesis, testRegistry, testTokens, traders } from '../testing.ts'
import type { ReplicaStorage, StoreHooks } from './replicaStorage.ts'

/*
 * The cases every `ReplicaStorage` must pass, whatever database is under it (Hono's router
 * `*.case` pattern): `sqliteStorage.test.ts` and `postgresStorage.test.ts` run them. Data comes
 * from real applied batches (signed intents through the exchange), and every check goes through
 * the interface, so one implementation's quirks cannot hide behind its own tests.
 */

/** Options a case opens a storage with. */
export interface StorageCaseOptions {
  readonly historyRetainBatches?: number
  readonly hooks?: StoreHooks
  readonly restorePageRows?: number
  readonly leafFormat?: string
}

/**
 * The state that `fromPreviousSchema` writes with the previous schema's layout: after transfers
 * only (balances and nonce windows, the markets still at sequence numbers 0), at `position`.
 */
interface PreviousState {
  readonly hash: string
  readonly position: {
    readonly index: number
    readonly chainingHash: string
    readonly time: number
  }
  readonly balances: LedgerSnapshot['balances']
  /** Every kept nonce, one row each as the previous layout stores them. */
  readonly nonces: readonly UsedNonce[]
  readonly markets: readonly string[]
}

/** How a suite opens the implementation under test. */
export interface StorageSubject {
  /** A storage on a new, empty database, and a way to open that same database again. */
  fresh(options?: StorageCaseOptions): Promise<{
    storage: ReplicaStorage
    reopen(options?: StorageCaseOptions): Promise<ReplicaStorage>
  }>
  /**
   * Makes a database with the migrations of the previous schema (all but the dialect's last),
   * writes `state` into it the way that schema's code did (`genesisHash` and the position in
   * meta, the balances as history and current balances at the position, a row per kept nonce,
   * the markets at sequence numbers 0), and opens it with today's code, which migrates it.
   */
  fromPreviousSchema(state: PreviousState): Promise<ReplicaStorage>
}

const registry = testRegistry(1, 15990)
const bobAddress = bob.address
const config = { registry, genesis: testGenesis }
const syncPointSeconds = 1_800_000_000
const nonces = new Map<string, number>()

function sign(trader: (typeof traders)[0], fields: Record<string, string>) {
  const nonce = (nonces.get(trader.address) ?? syncPointSeconds * 1000) + 1
  nonces.set(trader.address, nonce)
  return signIntent(trader, testTokens, { ...fields, nonce: String(nonce) })
}

const order = (trader: (typeof traders)[0], side: string, price: string, quantity: string) =>
  sign(trader, {
    action: 'order',
    market: 'ETH/USDT',
    side,
    type: 'limit',
    price,
    quantity,
    timeInForce: 'GTC',
  })

const pay = (trader: (typeof traders)[0], to: string, amount: string) =>
  sign(trader, { action: 'transfer', to, token: 'USDT', amount })

/** The id of a signed wire intent. */
function idOf(wire: { signer?: string; nonce: string }): string {
  const signer = wire.signer as Address
  return intentId({
    app: registry.app,
    network: registry.network,
    signer,
    nonce: BigInt(wire.nonce),
  })
}

/** Five batches: transfers, resting orders, a trade, a cancel. */
function history() {
  const intents = [
    [pay(alice, bob.address, '10'), pay(bob, alice.address, '1')],
    [order(alice, 'buy', '1990', '1'), order(bob, 'sell', '2010', '2')],
    [order(bob, 'sell', '1990', '0.5')],
    [sign(bob, { action: 'cancelAll', market: 'ETH/USDT' }), order(bob, 'sell', '2020', '1')],
    [pay(alice, traders[2]!.address, '3')],
  ]
  return intents.map((batch, i) => ({
    wire: batch,
    finalized: {
      index: i + 1,
      body: JSON.stringify(batch),
      chainingHash: `c${i + 1}`.padEnd(32, '0'),
      timestamp: syncPointSeconds + i,
    },
  }))
}

/** Applies `batches` one commit each; returns the effects. */
async function applyAll(state: ReplicaState, batches: ReturnType<typeof history>) {
  const effects: BatchEffects[] = []
  for (const { finalized } of batches) effects.push(await state.apply(finalized))
  return effects
}

export function describeReplicaStorage(name: string, subject: StorageSubject): void {
  describe(`ReplicaStorage cases: ${name}`, () => {
    it('starts empty, then holds genesis at index 0', async () => {
      const { storage } = await subject.fresh()
      try {
        expect(await storage.genesisHash()).toBeUndefined()
        const state = await ReplicaState.open(storage, config)
        expect(await storage.genesisHash()).toBe(state.genesisHash)
        expect(await storage.position()).toEqual({
          index: 0,
          chainingHash: '',
          time: 0,
          finalizedIndex: 0,
        })
        expect(await storage.chainingHashAt(0)).toBe('')
        expect(await storage.balanceAt(alice.address, 'USDT', 0)).toEqual({
          available: 1_000_000_000_000n,
          locked: 0n,
        })
        expect(storage.historyPrunedBelow).toBe(0)
      } finally {
        await storage.close()
      }
    })

    it('commits a group all or nothing: a failure inside it leaves the previous position', async () => {
      let failAt: number | undefined
      const hooks: StoreHooks = {
        insideCommit(indexes) {
          if (failAt !== undefined && indexes.includes(failAt)) throw new Error('disk full')
        },
      }
      const { storage, reopen } = await subject.fresh({ hooks })
      const batches = history()
      const other = await subject.fresh()
      try {
        await ReplicaState.open(storage, config)
        // The effects come from a second replica, so this one's memory does not matter here.
        const source = await ReplicaState.open(other.storage, config)
        const effects = await applyAll(source, batches)
        const group = (from: number, to: number) =>
          effects.slice(from, to).map((batch, i) => ({
            effects: batch,
            chainingHash: batches[from + i]!.finalized.chainingHash,
          }))
        await storage.commitBatches(group(0, 2), 2)
        expect(await storage.position()).toMatchObject({ index: 2, finalizedIndex: 2 })
        failAt = 4
        await expect(storage.commitBatches(group(2, 4))).rejects.toThrow('disk full')
        // Nothing of batch 3 or 4: not the position, not a chaining hash, not a receipt.
        expect((await storage.position()).index).toBe(2)
        expect(await storage.chainingHashAt(3)).toBeUndefined()
        expect(await storage.receipt(idOf(batches[2]!.wire[0]!))).toBeUndefined()
        // A group that does not follow the position is refused whole.
        failAt = undefined
        await expect(storage.commitBatches(group(3, 5))).rejects.toThrow(/after 2/)
        await storage.commitBatches(group(2, 5))
        expect(await storage.position()).toMatchObject({
          index: 5,
          chainingHash: 'c5'.padEnd(32, '0'),
        })
        await storage.close()
        const again = await reopen()
        expect((await again.position()).index).toBe(5)
        expect((await again.receipt(idOf(batches[4]!.wire[0]!)))?.batchIndex).toBe(5)
        await again.close()
      } finally {
        await other.storage.close()
      }
    })

    it('never shows a reader part of a group', async () => {
      const { storage } = await subject.fresh()
      const other = await subject.fresh()
      try {
        await ReplicaState.open(storage, config)
        const source = await ReplicaState.open(other.storage, config)
        const batches = history()
        const effects = await applyAll(source, batches)
        const ids = batches.flatMap(({ wire }) => wire.map(idOf))
        const group = effects.map((batch, i) => ({
          effects: batch,
          chainingHash: batches[i]!.finalized.chainingHash,
        }))
        const commit = storage.commitBatches(group)
        // Readers race the commit. A page of orders is one read: it shows all three of Bob's
        // orders (batches 2 to 4) or none. Reads one after the other never see the last batch's
        // receipt and then miss the first batch's.
        const bob = { owner: bobAddress, market: undefined, limit: 10, cursor: undefined }
        const seen = await Promise.all(
          Array.from({ length: 20 }, async () => {
            const orders = (await storage.ordersPage(bob)).orders.length
            const last = await storage.receipt(ids.at(-1)!)
            const first = await storage.receipt(ids[0]!)
            return { orders, torn: last !== undefined && first === undefined }
          }),
        )
        await commit
        for (const { orders, torn } of seen) {
          expect([0, 3]).toContain(orders)
          expect(torn).toBe(false)
        }
        expect((await storage.position()).index).toBe(5)
      } finally {
        await storage.close()
        await other.storage.close()
      }
    })

    it('installs a state synced from a snapshot, then commits the batches after it', async () => {
      const { storage, reopen } = await subject.fresh()
      const other = await subject.fresh()
      const refused = await subject.fresh()
      try {
        const source = await ReplicaState.open(other.storage, config)
        const batches = history()
        await applyAll(source, batches.slice(0, 3))
        const snapshot = takeStateSnapshot(source.exchange, source.position, 'replica-1')
        const { index, chainingHash, time } = source.position
        const root = {
          app: registry.app,
          network: registry.network,
          registryHash: registryHashOf(registry),
          index,
          chainingHash,
          time,
          stateHash: source.stateHash(),
        }
        // A root of another state is refused, and the database stays fresh.
        const wrong = { ...root, stateHash: `0x${'00'.repeat(32)}` }
        await expect(
          ReplicaState.openFromSnapshot(refused.storage, config, snapshot, wrong),
        ).rejects.toThrow(/is not the quorum root/)
        expect(await refused.storage.genesisHash()).toBeUndefined()

        const synced = await ReplicaState.openFromSnapshot(storage, config, snapshot, root)
        expect(synced.position).toMatchObject({ index: 3, chainingHash, time })
        expect(synced.stateHash()).toBe(source.stateHash())
        const bobUsdt = source.exchange.ledger.balance(bobAddress, 'USDT')
        expect(await storage.balanceAt(bobAddress, 'USDT', 3)).toEqual(bobUsdt)
        // The history before the snapshot is not here, and reads say so.
        expect(await storage.balanceAt(bobAddress, 'USDT', 2)).toEqual({ prunedBelow: 3 })
        expect(storage.historyPrunedBelow).toBe(4)
        expect(await storage.chainingHashAt(3)).toBe(chainingHash)
        const bobsOrders = { owner: bobAddress, market: undefined, limit: 10, cursor: undefined }
        const open = (await storage.ordersPage(bobsOrders)).orders
        expect(open.map((order) => order.status)).toEqual(['open'])

        // Both go on from index 3 alike, and the synced one restarts at the same state.
        await applyAll(source, batches.slice(3))
        await applyAll(synced, batches.slice(3))
        expect(synced.stateHash()).toBe(source.stateHash())
        await storage.close()
        const again = await reopen()
        const restarted = await ReplicaState.open(again, config)
        expect(restarted.stateHash()).toBe(source.stateHash())
        expect(restarted.position.index).toBe(5)
        await again.close()
      } finally {
        await other.storage.close()
        await refused.storage.close()
      }
    })

    it('loads after a restart exactly the state it committed', async () => {
      const { storage, reopen } = await subject.fresh()
      const state = await ReplicaState.open(storage, config)
      await applyAll(state, history())
      const hash = state.stateHash()
      const book = state.exchange.engine.depth('ETH/USDT', 10)
      await storage.close()
      const again = await reopen()
      try {
        const restarted = await ReplicaState.open(again, config)
        expect(restarted.position).toEqual(state.position)
        expect(restarted.stateHash()).toBe(hash)
        expect(restarted.exchange.engine.depth('ETH/USDT', 10)).toEqual(book)
        expect(restarted.exchange.tradeSeq('ETH/USDT')).toBe(1)
        expect(restarted.exchange.time).toBe((syncPointSeconds + 4) * 1000)
      } finally {
        await again.close()
      }
    })

    it('keeps a divergence found in its state across a restart, commits beside it included', async () => {
      const { storage, reopen } = await subject.fresh()
      const state = await ReplicaState.open(storage, config)
      expect(await storage.divergence()).toBeUndefined()
      const [first, ...rest] = history()
      await applyAll(state, [first!])
      const divergence = {
        index: 1,
        stateHash: `0x${'1'.repeat(64)}`,
        quorumStateHash: `0x${'2'.repeat(64)}`,
        signers: ['replica-2', 'replica-3'],
      }
      await storage.recordDivergence(divergence)
      await applyAll(state, rest)
      expect(await storage.divergence()).toEqual(divergence)
      await storage.close()
      const again = await reopen()
      try {
        expect(await again.divergence()).toEqual(divergence)
        expect((await ReplicaState.open(again, config)).position).toEqual(state.position)
      } finally {
        await again.close()
      }
    })

    it('rebuilds the state tree from the leaves kept with each row, equal to the tree of the values, after a commit that failed midway too', async () => {
      let failing = false
      const hooks: StoreHooks = {
        insideCommit() {
          if (failing) throw new Error('killed inside the commit')
        },
      }
      const { storage, reopen } = await subject.fresh({ hooks })
      const state = await ReplicaState.open(storage, config)
      const batches = history()
      await applyAll(state, batches.slice(0, 3))
      const hash = state.stateHash()
      // The last two batches change balances and windows of rows that already keep leaves.
      failing = true
      await expect(
        state.applyGroup(batches.slice(3).map(({ finalized }) => ({ batch: finalized }))),
      ).rejects.toThrow('killed')
      await storage.close()
      const again = await reopen()
      try {
        const markets = registry.markets.map((market) => market.id)
        const stored = await again.loadState(
          [...testTokens.values()],
          testGenesis.issuer as Address,
          markets,
        )
        // Every row keeps its leaf: the tree is rebuilt from them, none hashed from its value.
        expect(stored.ledgerLeaves?.balances).toHaveLength(stored.ledger.balances.length)
        expect(stored.ledgerLeaves?.balances.every((leaf) => leaf !== undefined)).toBe(true)
        expect(stored.ledgerLeaves?.nonceWindows).toHaveLength(stored.ledger.nonceWindows.length)
        expect(stored.ledger.nonceWindows).toHaveLength(2)
        expect(stored.ledgerLeaves?.nonceWindows.every((leaf) => leaf !== undefined)).toBe(true)
        const restarted = await ReplicaState.open(again, config)
        expect(restarted.position.index).toBe(3)
        expect(restarted.stateHash()).toBe(hash)
        expect(restarted.stateHash()).toBe(fullStateHash(restarted.exchange))
        // And it goes on: the leaves it writes next are kept alike.
        for (const { finalized } of batches.slice(3)) await restarted.apply(finalized)
        const expected = fullStateHash(restarted.exchange)
        expect(restarted.stateHash()).toBe(expected)
        await again.close()
        const third = await reopen()
        try {
          expect((await ReplicaState.open(third, config)).stateHash()).toBe(expected)
        } finally {
          await third.close()
        }
      } finally {
        await again.close().catch(() => {})
      }
    })

    it('forgets the leaves it kept when opened by code of another leaf format, then keeps that one’s', async () => {
      const markets = registry.markets.map((market) => market.id)
      const keptLeaves = async (storage: ReplicaStorage) => {
        const stored = await storage.loadState(
          [...testTokens.values()],
          testGenesis.issuer as Address,
          markets,
        )
        const { balances = [], nonceWindows = [] } = stored.ledgerLeaves ?? {}
        return [...balances, ...nonceWindows].filter((leaf) => leaf !== undefined).length
      }
      const { storage, reopen } = await subject.fresh({ leafFormat: 'format A' })
      const state = await ReplicaState.open(storage, config)
      const batches = history()
      await applyAll(state, batches.slice(0, 3))
      const hash = state.stateHash()
      const keptUnderA = await keptLeaves(storage)
      expect(keptUnderA).toBeGreaterThan(4)
      await storage.close()
      const sameFormat = await reopen({ leafFormat: 'format A' })
      expect(await keptLeaves(sameFormat)).toBe(keptUnderA)
      await sameFormat.close()
      const other = await reopen({ leafFormat: 'format B' })
      try {
        // None trusted: the tree is built from the values, and the next batch keeps B's leaves.
        expect(await keptLeaves(other)).toBe(0)
        const restarted = await ReplicaState.open(other, config)
        expect(restarted.stateHash()).toBe(hash)
        await restarted.apply(batches[3]!.finalized)
        expect(await keptLeaves(other)).toBeGreaterThan(0)
        expect(restarted.stateHash()).toBe(fullStateHash(restarted.exchange))
      } finally {
        await other.close()
      }
    })

    it('loads the state in restart pages of any size, pages ending inside an address’s tokens', async () => {
      const { storage, reopen } = await subject.fresh()
      const state = await ReplicaState.open(storage, config)
      await applyAll(state, history())
      const hash = state.stateHash()
      const expected = snapshotLedger(state.exchange.ledger)
      await storage.close()
      // Every trader holds two tokens, so pages of 1 and 3 rows end between an address's tokens.
      expect(expected.balances.length).toBeGreaterThan(6)
      const byKey = <T extends { address?: string; signer?: string; token?: string }>(rows: T[]) =>
        [...rows].sort((a, b) =>
          `${a.address ?? a.signer} ${a.token}` < `${b.address ?? b.signer} ${b.token}` ? -1 : 1,
        )
      const markets = registry.markets.map((market) => market.id)
      for (const restorePageRows of [1, 2, 3, expected.balances.length, 20_000]) {
        const again = await reopen({ restorePageRows })
        try {
          const { ledger } = await again.loadState(
            [...testTokens.values()],
            testGenesis.issuer as Address,
            markets,
          )
          expect(byKey([...ledger.balances])).toEqual(expected.balances)
          expect(byKey([...ledger.nonceWindows])).toEqual(
            expected.nonceWindows.map(({ signer, nonces }) => ({ signer, text: nonces.join(' ') })),
          )
          expect((await ReplicaState.open(again, config)).stateHash()).toBe(hash)
        } finally {
          await again.close()
        }
      }
    })

    it('answers every read query from what was committed', async () => {
      const { storage } = await subject.fresh()
      try {
        const state = await ReplicaState.open(storage, config)
        const batches = history()
        const effects = await applyAll(state, batches)
        // Balances and chaining hashes as of past indexes.
        expect(await storage.chainingHashAt(3)).toBe('c3'.padEnd(32, '0'))
        expect(await storage.chainingHashAt(6)).toBeUndefined()
        const start = 1_000_000_000_000n
        expect(await storage.balanceAt(bob.address, 'USDT', 1)).toEqual({
          available: start + 9_000_000n,
          locked: 0n,
        })
        expect(await storage.balanceAt(bob.address, 'USDT', 0)).toEqual({
          available: start,
          locked: 0n,
        })
        expect(await storage.balanceAt(traders[5]!.address, 'USDT', 5)).toEqual({
          available: start,
          locked: 0n,
        })
        const stranger = '0x00000000000000000000000000000000000000aa'
        expect(await storage.balanceAt(stranger, 'USDT', 5)).toEqual({ available: 0n, locked: 0n })
        // Receipts, with their batch's time.
        const receipt = await storage.receipt(idOf(batches[0]!.wire[0]!))
        expect(receipt).toEqual({
          intentId: idOf(batches[0]!.wire[0]!),
          action: 'transfer',
          signer: alice.address,
          status: 'applied',
          reason: null,
          batchIndex: 1,
          time: syncPointSeconds * 1000,
        })
        expect(await storage.receipt(`0x${'ab'.repeat(32)}`)).toBeUndefined()
        // Orders: open first, then closed, in pages that resume at the cursor.
        const all = await storage.ordersPage({
          owner: bob.address,
          market: undefined,
          limit: 10,
          cursor: undefined,
        })
        expect(all.next).toBeNull()
        expect(all.orders.map((o) => o.status)).toEqual(['open', 'cancelled', 'filled'])
        const first = await storage.ordersPage({
          owner: bob.address,
          market: 'ETH/USDT',
          limit: 1,
          cursor: undefined,
        })
        expect(first.orders.map((o) => o.orderId)).toEqual([all.orders[0]!.orderId])
        const rest = await storage.ordersPage({
          owner: bob.address,
          market: 'ETH/USDT',
          limit: 5,
          cursor: first.next ?? undefined,
        })
        expect(rest.orders.map((o) => o.orderId)).toEqual(all.orders.slice(1).map((o) => o.orderId))
        const filled = all.orders[2]!
        expect(filled.fills).toEqual([
          {
            tradeSeq: 1,
            price: effects[2]!.trades[0]!.price.toString(),
            quantity: filled.quantity,
            role: 'taker',
            index: 3,
            time: (syncPointSeconds + 2) * 1000,
          },
        ])
        // One order by id, as its page shows it; none for an id never placed.
        for (const order of all.orders) expect(await storage.order(order.orderId)).toEqual(order)
        expect(await storage.order(`0x${'cd'.repeat(32)}`)).toBeUndefined()
        expect(
          await storage.ordersPage({
            owner: bob.address,
            market: 'BTC/USDT',
            limit: 5,
            cursor: undefined,
          }),
        ).toEqual({ orders: [], next: null })
        // Trades, newest first, below a cursor.
        const trades = await storage.tradesPage('ETH/USDT', 10, undefined)
        expect(trades.map((t) => [t.seq, t.maker, t.taker, t.index])).toEqual([
          [1, alice.address, bob.address, 3],
        ])
        expect(await storage.tradesPage('ETH/USDT', 10, 1)).toEqual([])
      } finally {
        await storage.close()
      }
    })

    it('prunes history past the retention and says from where', async () => {
      const { storage } = await subject.fresh({ historyRetainBatches: 2 })
      const { storage: reference } = await subject.fresh()
      try {
        const state = await ReplicaState.open(storage, config)
        const batches = history()
        await applyAll(state, batches)
        await applyAll(await ReplicaState.open(reference, config), batches)
        expect(storage.historyPrunedBelow).toBe(4)
        expect(await storage.receipt(idOf(batches[2]!.wire[0]!))).toBeUndefined()
        expect(await storage.receipt(idOf(batches[3]!.wire[0]!))).toBeDefined()
        expect(await storage.tradesPage('ETH/USDT', 10, undefined)).toEqual([])
        // Balances are kept from batch 4 on, each as of its index, whenever it last changed
        // (batch 0 for the untouched genesis balances); below it they are refused, not guessed.
        for (const trader of traders) {
          for (const token of ['USDT', 'ETH']) {
            for (const index of [4, 5]) {
              expect(await storage.balanceAt(trader.address, token, index)).toEqual(
                await reference.balanceAt(trader.address, token, index),
              )
            }
            for (const index of [0, 1, 3]) {
              expect(await storage.balanceAt(trader.address, token, index)).toEqual({
                prunedBelow: 4,
              })
            }
          }
        }
        expect(await storage.chainingHashAt(3)).toBeUndefined()
        expect(await storage.chainingHashAt(4)).toBe('c4'.padEnd(32, '0'))
      } finally {
        await storage.close()
        await reference.close()
      }
    })

    it('migrates a database of the previous schema: the same state hash and next batches as a replica that never migrated', async () => {
      // A replica of today applies transfers; its state is written in the previous layout.
      const { storage: reference } = await subject.fresh()
      const storages = [reference]
      try {
        const original = await ReplicaState.open(reference, config)
        const transfers = [
          [pay(alice, bob.address, '1'), pay(bob, alice.address, '2')],
          [pay(alice, traders[2]!.address, '3'), pay(alice, bob.address, '4')],
        ].map((batch, i) => ({
          index: i + 1,
          body: JSON.stringify(batch),
          chainingHash: `t${i + 1}`.padEnd(32, '0'),
          timestamp: syncPointSeconds + i,
        }))
        for (const batch of transfers) await original.apply(batch)
        const ledger = snapshotLedger(original.exchange.ledger)
        const nonces = ledger.nonceWindows.flatMap(({ signer, nonces }) =>
          nonces.map((nonce) => ({ signer, nonce })),
        )
        expect(nonces.filter((row) => row.signer === alice.address)).toHaveLength(3)
        const migrated = await subject.fromPreviousSchema({
          hash: original.genesisHash,
          position: original.position,
          balances: ledger.balances,
          nonces,
          markets: [...original.exchange.markets.keys()],
        })
        storages.push(migrated)
        const state = await ReplicaState.open(migrated, config)
        expect(state.position).toMatchObject({ index: 2, chainingHash: transfers[1]!.chainingHash })
        expect(state.exchange.ledger.keptNonces(alice.address)).toEqual(
          original.exchange.ledger.keptNonces(alice.address),
        )
        expect(state.stateHash()).toBe(original.stateHash())
        // Both go on alike: a replay of a migrated nonce is skipped on both, then the history.
        const replay = { ...transfers[0]!, index: 3, chainingHash: 'r3'.padEnd(32, '0') }
        const replayed = await state.apply(replay)
        expect(replayed).toEqual(await original.apply(replay))
        expect(replayed.skipped.map((item) => item.reason)).toEqual([
          'nonce_already_used',
          'nonce_already_used',
        ])
        for (const { finalized } of history()) {
          const batch = { ...finalized, index: finalized.index + 3 }
          expect(await state.apply(batch)).toEqual(await original.apply(batch))
        }
        expect(state.stateHash()).toBe(original.stateHash())
        const restarted = await ReplicaState.open(migrated, config)
        expect(restarted.stateHash()).toBe(original.stateHash())
      } finally {
        for (const storage of storages) await storage.close()
      }
    })

    it('keeps each signer’s window across a restart, evictions inside one commit included', async () => {
      const { storage, reopen } = await subject.fresh()
      const state = await ReplicaState.open(storage, config)
      // 130 nonces of Alice in three batches committed together: her window of 100 is full
      // after the second, so the group both adds and evicts nonces of one signer.
      const batches = [40, 50, 40].map((count, i) => ({
        batch: {
          index: i + 1,
          body: JSON.stringify(Array.from({ length: count }, () => pay(alice, bob.address, '1'))),
          chainingHash: `w${i + 1}`.padEnd(32, '0'),
          timestamp: syncPointSeconds,
        },
      }))
      const effects = await state.applyGroup(batches)
      expect(effects.flatMap((batch) => batch.evictedNonces)).toHaveLength(30)
      const kept = state.exchange.ledger.keptNonces(alice.address)
      expect(kept).toHaveLength(100)
      await storage.close()
      const again = await reopen()
      try {
        const restarted = await ReplicaState.open(again, config)
        expect(restarted.exchange.ledger.keptNonces(alice.address)).toEqual(kept)
        expect(restarted.exchange.ledger.keptNonces(bob.address)).toEqual([])
        expect(restarted.stateHash()).toBe(state.stateHash())
      } finally {
        await again.close()
      }
    })
  })
}
