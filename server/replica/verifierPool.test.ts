import { afterEach, describe, expect, it } from 'vitest'
import { devnetTokens, prepareBatch } from '../../shared/exchange/index.ts'
import { signIntent, testAccount, testDomain } from '../../shared/exchange/testing.ts'
import { createTokenRegistry, initKeccak } from '../../shared/intents/index.ts'
import { VerifierPool } from './verifierPool.ts'

const tokens = createTokenRegistry(devnetTokens)
const parameters = { tokens, domain: testDomain }
const alice = testAccount(1)
const bob = testAccount(2)

function transfer(nonce: number, amount = '1') {
  return signIntent(alice, tokens, {
    action: 'transfer',
    nonce: String(nonce),
    to: bob.address,
    token: 'USDT',
    amount,
  })
}

const forged = { ...transfer(3), amount: '1000' }
const bodies = [
  JSON.stringify([transfer(1), transfer(2, '2.5')]),
  JSON.stringify([forged, { action: 'transfer' }, 42]),
  'not json',
  '{"not":"an array"}',
]

describe('VerifierPool', () => {
  let pool: VerifierPool | undefined
  afterEach(async () => {
    await pool?.close()
    pool = undefined
  })

  it('prepares batches in its threads, exactly as inline preparation does', async () => {
    await initKeccak()
    const failures: string[] = []
    pool = new VerifierPool(2, parameters, (line) => failures.push(line))
    await pool.ready()
    expect(failures).toEqual([])
    const prepared = await Promise.all(bodies.map((body) => pool!.prepare(body)))
    expect(prepared).toEqual(bodies.map((body) => prepareBatch(body, parameters)))
    expect(prepared[0]?.map((item) => item.ok)).toEqual([true, true])
    expect(prepared[1]?.map((item) => item.ok)).toEqual([false, false, false])
    // The work was really done off the main thread: a thread that cannot start (e.g. one that
    // cannot load TypeScript) makes the pool fall back to inline, which this catches.
    expect(pool.preparedInThreads).toBe(bodies.length)
    expect(pool.threads).toBe(2)
    expect(failures).toEqual([])
  })

  it('prepares inline with 0 threads', async () => {
    pool = new VerifierPool(0, parameters)
    await pool.ready()
    expect(await pool.prepare(bodies[0]!)).toEqual(prepareBatch(bodies[0]!, parameters))
    expect(pool.preparedInThreads).toBe(0)
  })
})
