import { z } from 'zod'
import { replicaRegistrySchema } from '../../shared/api/index.ts'
import { configuredOrExit, parseConfigFile, parseEnvironment } from '../configError.ts'
import { MarketMaker } from './marketMaker.ts'
import { marketMakerKeyFileSchema } from './setup.ts'

const marketMakerEnvironmentSchema = z.object({
  MARKET_MAKER_REGISTRY_FILE: z.string().min(1),
  MARKET_MAKER_KEY_FILE: z.string().min(1),
  MARKET_MAKER_SEED: z.coerce.number().int().nonnegative().default(1),
  MARKET_MAKER_INTERVAL_MS: z.coerce.number().int().min(100).default(2_000),
})

/**
 * The demo market maker process (`npm start` runs it unless `--no-market-maker`). Reads the
 * replica registry and its key file, logs its settings once, quotes until SIGTERM or SIGINT,
 * then withdraws its quotes and exits.
 */
const { env, registry, keys } = configuredOrExit('market maker', () => {
  const env = parseEnvironment(marketMakerEnvironmentSchema, process.env)
  return {
    env,
    registry: parseConfigFile(
      replicaRegistrySchema,
      'MARKET_MAKER_REGISTRY_FILE',
      env.MARKET_MAKER_REGISTRY_FILE,
    ),
    keys: parseConfigFile(
      marketMakerKeyFileSchema,
      'MARKET_MAKER_KEY_FILE',
      env.MARKET_MAKER_KEY_FILE,
    ),
  }
})
const marketMaker = new MarketMaker({
  registry,
  makerKey: keys.makerKey,
  takerKey: keys.takerKey,
  seed: env.MARKET_MAKER_SEED,
  intervalMs: env.MARKET_MAKER_INTERVAL_MS,
  log: (line) => console.log(line),
})
const { maker, taker } = marketMaker.addresses
console.log(
  `maker ${maker}, taker ${taker}, seed ${env.MARKET_MAKER_SEED}, ` +
    `every ${env.MARKET_MAKER_INTERVAL_MS} ms, ${registry.replicas.length} replicas`,
)

const stop = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stop.abort()
    // Withdrawing the quotes takes a few requests; a stuck replica must not keep us alive.
    setTimeout(() => process.exit(1), 8_000).unref()
  })
}
// `run` never rejects; the catch is for a bug in it.
marketMaker.run(stop.signal).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('market maker failed:', error)
    process.exit(1)
  },
)
