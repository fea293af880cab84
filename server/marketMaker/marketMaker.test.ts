import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { privateKeyToAddress } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  balancesResponseSchema,
  orderbookResponseSchema,
  ordersResponseSchema,
  tradesResponseSchema,
} from '../../shared/api/index.ts'
import { startSystem, type RunningSystem } from '../devnet/system.ts'
import { waitFor } from '../replica/testing.ts'
import { marketMakerKeyFileSchema } from './setup.ts'

/*
 * The launcher's system with the demo market maker on (4 Zellular nodes, 3 replica processes,
 * the web server and the market maker process, ports 17101-17104, 17201-17203, 17280): the
 * market maker quotes both sides of both markets with its genesis funds, its taker trades, it
 * withdraws its quotes when stopped, and the faucet grants BTC too.
 */

const markets = ['ETH/USDT', 'BTC/USDT']
let dataDir: string
let system: RunningSystem
let maker: string
const log: string[] = []

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'market-maker-'))
  system = await startSystem({
    dataDir,
    fresh: true,
    zellularBasePort: 17101,
    replicaBasePort: 17201,
    webPort: 17280,
    marketMaker: { seed: 1, intervalMs: 300 },
    onLine: (name, line) => {
      if (name === 'maker') log.push(line)
    },
  })
  const keyFile = join(dataDir, 'replicas/market-maker-key.json')
  const keys = marketMakerKeyFileSchema.parse(JSON.parse(readFileSync(keyFile, 'utf8')))
  maker = privateKeyToAddress(keys.makerKey).toLowerCase()
}, 120_000)

afterAll(async () => {
  await system?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const replicaUrl = () => system.replicas.urls()[0]!

async function book(market: string) {
  const query = new URLSearchParams({ market, depth: '50' })
  const response = await fetch(`${replicaUrl()}/orderbook?${query}`)
  return orderbookResponseSchema.parse(await response.json())
}

async function makerOrders(market: string) {
  const query = new URLSearchParams({ address: maker, market, limit: '100' })
  const response = await fetch(`${replicaUrl()}/orders?${query}`)
  return ordersResponseSchema.parse(await response.json()).orders
}

describe('demo market maker', () => {
  it('quotes both sides of every market, bids below asks, within its cap', async () => {
    for (const market of markets) {
      await waitFor(async () => {
        const { bids, asks } = await book(market)
        return bids.length >= 3 && asks.length >= 3
      }, 60_000)
      const { bids, asks } = await book(market)
      expect(BigInt(bids[0]!.price)).toBeLessThan(BigInt(asks[0]!.price))
      const open = (await makerOrders(market)).filter((order) => order.status === 'open')
      expect(open.some((order) => order.side === 'buy')).toBe(true)
      expect(open.some((order) => order.side === 'sell')).toBe(true)
      // 5 levels a side.
      expect(open.length).toBeLessThanOrEqual(10)
    }
  })

  it('trades now and then, so trades print in both markets', async () => {
    for (const market of markets) {
      await waitFor(async () => {
        const response = await fetch(`${replicaUrl()}/trades?market=${market}&limit=1`)
        return tradesResponseSchema.parse(await response.json()).trades.length > 0
      }, 60_000)
    }
    const query = new URLSearchParams({ market: 'ETH/USDT', limit: '5' })
    const response = await fetch(`${replicaUrl()}/trades?${query}`)
    const trades = tradesResponseSchema.parse(await response.json()).trades
    expect(trades.every((trade) => trade.maker === maker && trade.taker !== maker)).toBe(true)
  })

  it('the faucet grants BTC too', async () => {
    const address = privateKeyToAddress(`0x${'ab'.repeat(32)}`).toLowerCase()
    const granted = await fetch(`${system.webUrl}/faucet`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ address }),
    })
    expect(granted.status).toBe(202)
    await waitFor(async () => {
      const response = await fetch(`${replicaUrl()}/balances?address=${address}`)
      const { balances } = balancesResponseSchema.parse(await response.json())
      const btc = balances.find((balance) => balance.attestation.token === 'BTC')
      return btc?.attestation.available === '50000000'
    }, 30_000)
  })

  it('withdraws its quotes when stopped', async () => {
    const process = system.marketMaker!
    process.child.kill('SIGTERM')
    expect(await process.exited).toBe(0)
    expect(log).toContain('quotes withdrawn')
    for (const market of markets) {
      await waitFor(async () => {
        const open = (await makerOrders(market)).filter((order) => order.status === 'open')
        return open.length === 0
      }, 30_000)
    }
  })
})
