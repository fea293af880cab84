import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatUnits } from 'viem'
import { hash32Schema, replicaRegistrySchema } from '../../shared/api/index.ts'
import { createBlsVerifier, herumi } from '../../shared/attest/index.ts'
import { parseAddress } from '../../shared/intents/index.ts'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'
import { rootGatherer } from './quorumRoot.ts'
import {
  verifyAddressBalances,
  verifyOpenOrders,
  verifyOrder,
  type VerifiedOrderState,
} from './verifyAddress.ts'

/*
 * npm run verify -- --address 0x… [--replica URL] [--registry FILE]
 * npm run verify -- --order 0x… [--replica URL] [--registry FILE]
 *
 * Prints an address's balances and open orders, or one order (proven open, or no longer open,
 * beside its stored status), with each state proof checked against a quorum of the replicas'
 * signed roots (`verifyAddress.ts`), trusting only the registry file (the devnet's by default):
 * no replica's word alone. Exits 1 if anything is not verified.
 */

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? process.argv[at + 1] : undefined
}

const usage =
  'usage: npm run verify -- (--address 0x… | --order 0x…) [--replica URL] [--registry FILE]'

async function main(): Promise<number> {
  const orderId = option('order')
  const address = parseAddress(option('address') ?? '')
  if (!address.ok && orderId === undefined) {
    console.error(usage)
    return 2
  }
  const registryFile =
    option('registry') ?? join(REPOSITORY_ROOT, '.devnet', 'replicas', 'registry.json')
  const registry = replicaRegistrySchema.parse(JSON.parse(readFileSync(registryFile, 'utf8')))
  const replicaUrl = option('replica')
  const trust = {
    registry,
    bls: createBlsVerifier(herumi),
    ...(replicaUrl === undefined ? {} : { replicaUrl }),
  }
  const quorum = `registry ${registryFile}, quorum ${registry.quorum} of ${registry.replicas.length}`
  if (orderId !== undefined) {
    if (!hash32Schema.safeParse(orderId.toLowerCase()).success) {
      console.error(`${usage}\n(an order id is 0x and 64 hex digits)`)
      return 2
    }
    return printOrder(await verifyOrder(trust, orderId), quorum, registry.replicas.length)
  }
  if (!address.ok) return 2
  const parameters = { ...trust, address: address.value }
  const rootAt = rootGatherer(parameters)
  const results = await verifyAddressBalances(parameters, rootAt)
  const { orders, truncated } = await verifyOpenOrders(parameters, rootAt)
  const decimals = new Map(registry.tokens.map((token) => [token.symbol, token.decimals]))
  const n = registry.replicas.length
  console.log(`address ${address.value}  (${quorum})`)
  for (const result of results) {
    const units = decimals.get(result.token) ?? 0
    const amount = (value: bigint | undefined) =>
      value === undefined ? '?' : formatUnits(value, units)
    const where = result.index === undefined ? '' : ` at index ${result.index}`
    const verdict = result.verified
      ? `verified by ${result.signers.length} of ${n} (${result.signers.join(', ')}), root ${result.root?.stateHash}`
      : `NOT VERIFIED: ${result.problem}`
    console.log(
      `  ${result.token.padEnd(6)} available ${amount(result.available)}, locked ${amount(result.locked)}${where}: ${verdict}`,
    )
  }
  console.log(`open orders: ${orders.length}${truncated ? ' (more are listed: not checked)' : ''}`)
  for (const order of orders) {
    const where = order.index === undefined ? '' : ` at index ${order.index}`
    const verdict = order.verified
      ? `verified by ${order.signers.length} of ${n}`
      : `NOT VERIFIED: ${order.problem}`
    console.log(`  ${order.orderId} ${order.value ?? '?'}${where}: ${verdict}`)
  }
  const all = [...results, ...orders]
  return all.every((result) => result.verified) && !truncated ? 0 : 1
}

/** Prints one order's check; 0 when its state is proven (open, or no longer open). */
function printOrder(result: VerifiedOrderState, quorum: string, n: number): number {
  console.log(`order ${result.orderId}  (${quorum})`)
  const stored = result.stored
  if (stored !== undefined) {
    const fill = `filled ${stored.filled} of ${stored.quantity}`
    console.log(
      `  stored by ${result.replicaId}: ${stored.status}, ${stored.market} ${stored.side} ${stored.price}, ${fill} (its word, not proven)`,
    )
  }
  const where = result.index === undefined ? '' : ` at index ${result.index}`
  if (!result.verified) {
    console.log(`  NOT VERIFIED${where}: ${result.problem}`)
    return 1
  }
  const state = result.proven === 'open' ? `open: ${result.value}` : 'not open (no leaf)'
  console.log(
    `  ${state}${where}, verified by ${result.signers.length} of ${n} (${result.signers.join(', ')})`,
  )
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 2
  },
)
