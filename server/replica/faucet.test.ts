import type { ServerType } from '@hono/node-server'
import { afterEach, describe, expect, it } from 'vitest'
import { devnetTokens } from '../../shared/exchange/index.ts'
import { testAccount } from '../../shared/exchange/testing.ts'
import { grantFromFaucet } from './faucet.ts'
import type { Replica } from './replica.ts'
import {
  faucet,
  InMemorySequencer,
  serveOnLoopback,
  startReplica,
  stopStartedReplicas,
  waitFor,
} from './testing.ts'

/*
 * The faucet's grant over real HTTP to two replicas of one sequence, each refusing the faucet's
 * address past its submission burst (429): a real refusal, as a busy replica gives it.
 */

const servers: ServerType[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) server.close()
  await stopStartedReplicas()
})

const grantAmounts = { USDT: '10000', ETH: '10', BTC: '0.5' }
const baseUnits = { USDT: 10_000n * 10n ** 6n, ETH: 10n * 10n ** 18n, BTC: 5n * 10n ** 7n }

/** Two replicas on 127.0.0.1:30520–30521, each taking `bursts[i]` submissions from a client. */
async function twoReplicas(bursts: readonly [number, number]) {
  const sequencer = new InMemorySequencer()
  // Mint nonces are the faucet's clock in ms: batch times must be near it.
  sequencer.timestamp = Math.floor(Date.now() / 1000)
  const replicas: Replica[] = []
  const replicaUrls: string[] = []
  for (const [position, submitBurst] of bursts.entries()) {
    const parameters = { submitBurst, submitRatePerSecond: 0.001 }
    const replica = await startReplica({ sequencer, position: position + 1, parameters })
    const { server, port } = await serveOnLoopback(replica.app.fetch, 30520 + position)
    servers.push(server)
    replicas.push(replica)
    replicaUrls.push(`http://127.0.0.1:${port}`)
  }
  const { registry } = replicas[0]!.deps
  const address = testAccount(4242).address
  const grant = () =>
    grantFromFaucet({
      issuerKey: `0x${Buffer.from(faucet.privateKey).toString('hex')}`,
      address,
      replicaUrls,
      tokens: grantAmounts,
      tokenInfo: [...devnetTokens],
      app: registry.app,
      network: registry.network,
    })
  /** The address's balances once every replica applied all that was sequenced. */
  const balances = async () => {
    await waitFor(() =>
      replicas.every((replica) => replica.state.position.index === sequencer.bodies.length),
    )
    const ledger = replicas[1]!.state.exchange.ledger
    return {
      USDT: ledger.available(address, 'USDT'),
      ETH: ledger.available(address, 'ETH'),
      BTC: ledger.available(address, 'BTC'),
    }
  }
  return { grant, balances }
}

describe('grantFromFaucet', () => {
  it('mints each token once, on the first replica that takes it', async () => {
    // The first replica takes the USDT mint and refuses the others; the second takes them.
    const { grant, balances } = await twoReplicas([1, 3])
    const granted = await grant()
    expect(granted.granted.map(({ token, replicaUrl }) => [token, replicaUrl])).toEqual([
      ['USDT', 'http://127.0.0.1:30520'],
      ['ETH', 'http://127.0.0.1:30521'],
      ['BTC', 'http://127.0.0.1:30521'],
    ])
    expect(granted.refused).toEqual([])
    expect(await balances()).toEqual(baseUnits)
  })

  it('names the tokens no replica took, and mints the others once', async () => {
    // USDT on the first replica, ETH on the second, BTC on neither.
    const { grant, balances } = await twoReplicas([1, 1])
    const granted = await grant()
    expect(granted.granted.map(({ token }) => token)).toEqual(['USDT', 'ETH'])
    const refusal = { token: 'BTC', amount: '0.5', reason: 'rate_limited', uncertain: false }
    expect(granted.refused).toEqual([refusal])
    expect(await balances()).toEqual({ ...baseUnits, BTC: 0n })
  })
})
