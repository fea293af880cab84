import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { z } from 'zod'
import type { LedgerGenesis } from '../../shared/ledger/index.ts'
import { spawnService, type ServiceProcess } from '../serviceProcesses.ts'

/*
 * What the launcher needs to run the demo market maker: its two keys (made once per data
 * folder, like the faucet key), their genesis balances, and the process.
 */

const privateKeySchema = z.string().regex(/^0x[0-9a-f]{64}$/) as z.ZodType<`0x${string}`>

/** `market-maker-key.json`: the quoting account's and the occasional taker's keys. */
export const marketMakerKeyFileSchema = z.object({
  makerKey: privateKeySchema,
  takerKey: privateKeySchema,
})

export type MarketMakerKeys = z.infer<typeof marketMakerKeyFileSchema>

/**
 * The market maker's keys in `dir/market-maker-key.json` (mode 0600), made on first use and
 * reused afterwards, so the genesis they are funded in stays the same across runs.
 */
export function prepareMarketMakerKeys(dir: string): { file: string; keys: MarketMakerKeys } {
  const file = join(dir, 'market-maker-key.json')
  if (!existsSync(file)) {
    const keys: MarketMakerKeys = { makerKey: generatePrivateKey(), takerKey: generatePrivateKey() }
    writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 })
  }
  const keys = marketMakerKeyFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
  return { file, keys }
}

/**
 * Genesis balances of the two accounts, token units: the maker's cover its ladders for as long
 * as a demo runs (a side holds about 22,500 USDT), the taker's its small random market orders.
 * They are in the genesis whether or not the market maker runs, so turning it off and on keeps
 * the replicas' databases valid.
 */
export function marketMakerBalances(keys: MarketMakerKeys): LedgerGenesis['balances'] {
  const maker = privateKeyToAddress(keys.makerKey).toLowerCase()
  const taker = privateKeyToAddress(keys.takerKey).toLowerCase()
  return [
    { address: maker, token: 'USDT', amount: '5000000' },
    { address: maker, token: 'ETH', amount: '1000' },
    { address: maker, token: 'BTC', amount: '40' },
    { address: taker, token: 'USDT', amount: '1000000' },
    { address: taker, token: 'ETH', amount: '200' },
    { address: taker, token: 'BTC', amount: '10' },
  ]
}

/** Starts the market maker process (`server/marketMaker/main.ts`, compiled like every service). */
export function spawnMarketMaker(options: {
  readonly registryFile: string
  readonly keyFile: string
  readonly seed?: number
  readonly intervalMs?: number
  readonly onLine?: (line: string) => void
}): ServiceProcess {
  return spawnService('server/marketMaker/main.ts', {
    id: 'market-maker',
    url: '',
    environment: {
      MARKET_MAKER_REGISTRY_FILE: options.registryFile,
      MARKET_MAKER_KEY_FILE: options.keyFile,
      ...(options.seed === undefined ? {} : { MARKET_MAKER_SEED: String(options.seed) }),
      ...(options.intervalMs === undefined
        ? {}
        : { MARKET_MAKER_INTERVAL_MS: String(options.intervalMs) }),
    },
    onLine: options.onLine,
  })
}
