import { rmSync, symlinkSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  errorResponseSchema,
  submitIntentResponseSchema,
  txResponseSchema,
} from '../../../shared/api/index.ts'
import { signIntent, testAccount, type TestAccount } from '../../../shared/exchange/testing.ts'
import { PendingJournal } from '../pendingJournal.ts'
import type { Replica } from '../replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  InMemorySequencer,
  removeTemporaryFolders,
  startReplica,
  stopReplica,
  stopStartedReplicas,
  temporaryDatabaseFile,
  testTokens,
  waitFor,
  sqliteOf,
} from '../testing.ts'

/*
 * Delivery to Zellular is at least once: a send that fails may still have delivered the batch.
 * The replica then answers "unknown" rather than a failure that invites signing again, keeps
 * the intent pending (a second submission is a replay) and sends the batch again itself; the
 * apply path's (signer, nonce) dedupe makes the intent apply once however many copies arrive.
 */

/**
 * Zellular as the replica sees it over a flaky network: the next sends fail, either after the
 * batch arrived (the answer was lost) or before (no node was reached).
 */
class FlakyZellular extends InMemorySequencer {
  failures: { arrived: boolean }[] = []
  sends = 0
  /** While set, sends wait for it (a slow node), so intents pile up in the submit queue. */
  gate: Promise<void> | undefined
  /** Sends still to be acknowledged and then lost (a node killed with them queued). */
  losing = 0

  override async send(body: string): Promise<void> {
    await this.sendBulk([body])
  }

  override async sendBulk(bodies: readonly string[]): Promise<void> {
    this.sends += 1
    await this.gate
    if (this.losing > 0) {
      this.losing -= 1
      return
    }
    const failure = this.failures.shift()
    if (failure === undefined || failure.arrived) for (const body of bodies) this.append(body)
    if (failure !== undefined) throw new Error('connection reset before the answer')
  }
}

let zellular: FlakyZellular
let replica: Replica
let running: Promise<void>
let nonce = 0

beforeAll(async () => {
  zellular = new FlakyZellular()
  replica = await createTestReplica({ sequencer: zellular, parameters: { pendingMax: 2 } })
  running = replica.start()
})
afterAll(async () => {
  await replica.stop()
  await running
  removeTemporaryFolders()
})
afterEach(stopStartedReplicas)

/** `from` sends `to` `amount` USDT with `nonce`, signed. */
const transferFrom = (from: TestAccount, nonce: number, to: string, amount = '1') =>
  signIntent(from, testTokens, {
    action: 'transfer',
    nonce: String(nonce),
    to,
    token: 'USDT',
    amount,
  })

const transfer = (amount = '1') =>
  signIntent(alice, testTokens, {
    action: 'transfer',
    nonce: String(++nonce),
    to: bob.address,
    token: 'USDT',
    amount,
  })

function post(body: unknown) {
  return replica.app.request('/transfer', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  })
}

function postTo(target: Replica, body: unknown) {
  return target.app.request('/transfer', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  })
}

async function intentIdOf(response: Response | Promise<Response>): Promise<string> {
  return submitIntentResponseSchema.parse(await (await response).json()).intentId
}

async function tx(intentId: string) {
  const response = await replica.app.request(`/tx/${intentId}`)
  return { status: response.status, body: (await response.json()) as unknown }
}

const bobUsdt = () => replica.state.exchange.ledger.available(bob.address, 'USDT')

describe('a send to Zellular whose outcome is unknown', () => {
  it('answers 202 unknown, keeps watching, applies once when the batch had arrived', async () => {
    const before = bobUsdt()
    zellular.failures = [{ arrived: true }]
    const intent = transfer('3')
    const response = await post(intent)
    expect(response.status).toBe(202)
    const answer = submitIntentResponseSchema.parse(await response.json())
    expect(answer.status).toBe('unknown')
    // Still watched: a second submission of the same signed intent is a replay, not a new one.
    const again = await post(intent)
    expect(again.status).toBe(409)
    expect(errorResponseSchema.parse(await again.json()).error.code).toBe('replay')
    await waitFor(
      async () => txResponseSchema.parse((await tx(answer.intentId)).body).status === 'applied',
    )
    // The replica's resends (if any) change nothing: the intent applied once.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(bobUsdt() - before).toBe(3_000_000n)
  })

  it('sends the batch again itself when it had not arrived, until it is taken', async () => {
    const before = bobUsdt()
    const sendsBefore = zellular.sends
    zellular.failures = [{ arrived: false }, { arrived: false }]
    const response = await post(transfer('2'))
    const answer = submitIntentResponseSchema.parse(await response.json())
    expect([response.status, answer.status]).toEqual([202, 'unknown'])
    expect(txResponseSchema.parse((await tx(answer.intentId)).body).status).toBe('pending')
    await waitFor(
      async () => txResponseSchema.parse((await tx(answer.intentId)).body).status === 'applied',
    )
    expect(zellular.sends - sendsBefore).toBe(3)
    expect(bobUsdt() - before).toBe(2_000_000n)
  })

  it('says so, and forgets the intent, only when it surely was not sent', async () => {
    zellular.failures = []
    let open!: () => void
    zellular.gate = new Promise((resolve) => (open = resolve))
    const sendsBefore = zellular.sends
    // Two intents fill the submit queue (pendingMax 2) while the node is slow to answer.
    const first = post(transfer())
    const second = post(transfer())
    await waitFor(() => zellular.sends > sendsBefore)
    const third = transfer()
    const refused = await post(third)
    expect(refused.status).toBe(503)
    expect(errorResponseSchema.parse(await refused.json()).error.code).toBe('overloaded')
    open()
    zellular.gate = undefined
    expect((await first).status).toBe(202)
    expect((await second).status).toBe(202)
    // Never sent, so not pending: the same signed intent may be submitted again.
    expect((await post(third)).status).toBe(202)
  })
})

describe('an intent a node accepted and then lost', () => {
  it('is sent again after the redelivery wait, and applies once', async () => {
    const lossy = new FlakyZellular()
    const own = await createTestReplica({
      sequencer: lossy,
      parameters: { redeliverAfterMs: 200 },
      position: 2,
    })
    const started = own.start()
    try {
      lossy.losing = 1
      const response = await own.app.request('/transfer', {
        method: 'POST',
        body: JSON.stringify(transfer('3')),
        headers: { 'Content-Type': 'application/json' },
      })
      expect(response.status).toBe(202)
      const { intentId, status } = submitIntentResponseSchema.parse(await response.json())
      expect(status).toBe('pending') // acknowledged: a node took the batch
      expect(lossy.bodies).toEqual([]) // … and lost it
      await waitFor(async () => {
        const answer = txResponseSchema.parse(
          await (await own.app.request(`/tx/${intentId}`)).json(),
        )
        return answer.status === 'applied'
      }, 10_000)
      expect(lossy.bodies.length).toBe(1)
    } finally {
      await own.stop()
      await started
    }
  })

  it('is sent again by the replica after a restart, when it stopped before sending it again', async () => {
    const lossy = new FlakyZellular()
    // The redelivery wait outlasts the first replica: only a restart can send the intent again.
    const parameters = { redeliverAfterMs: 60_000 }
    const first = await createTestReplica({ sequencer: lossy, parameters, position: 3 })
    const firstRun = first.start()
    lossy.losing = 1
    const response = await first.app.request('/transfer', {
      method: 'POST',
      body: JSON.stringify(transfer('4')),
      headers: { 'Content-Type': 'application/json' },
    })
    const { intentId, status } = submitIntentResponseSchema.parse(await response.json())
    expect([response.status, status]).toEqual([202, 'pending'])
    expect(lossy.bodies).toEqual([])
    await first.stop()
    await firstRun
    const databaseFile = sqliteOf(first.state).name
    const second = await createTestReplica({
      sequencer: lossy,
      parameters,
      position: 3,
      databaseFile,
    })
    const secondRun = second.start()
    try {
      const status = async () =>
        txResponseSchema.parse(await (await second.app.request(`/tx/${intentId}`)).json()).status
      await waitFor(async () => (await status()) === 'applied', 10_000)
      expect(lossy.bodies.length).toBe(1)
    } finally {
      await second.stop()
      await secondRun
    }
  })
})

describe('an intent the replica cannot record on its disk', () => {
  it('is refused with 503 storage_unavailable, never sent, and may be submitted again', async () => {
    const node = new FlakyZellular()
    const own = await createTestReplica({ sequencer: node, position: 4 })
    const started = own.start()
    const journal = `${sqliteOf(own.state).name}.pending.jsonl`
    try {
      // Every write to /dev/full fails with "no space left on device", as on a full disk.
      rmSync(journal, { force: true })
      symlinkSync('/dev/full', journal)
      const intent = transfer('1')
      const refused = await own.app.request('/transfer', {
        method: 'POST',
        body: JSON.stringify(intent),
        headers: { 'Content-Type': 'application/json' },
      })
      expect(refused.status).toBe(503)
      expect(errorResponseSchema.parse(await refused.json()).error.code).toBe('storage_unavailable')
      expect(node.sends).toBe(0)
      rmSync(journal)
      const accepted = await own.app.request('/transfer', {
        method: 'POST',
        body: JSON.stringify(intent),
        headers: { 'Content-Type': 'application/json' },
      })
      expect(accepted.status).toBe(202)
    } finally {
      await own.stop()
      await started
    }
  })
})

describe('an intent whose nonce the applied state has passed', () => {
  it('leaves the pending set and the journal: not pending, never sent again, even after a restart', async () => {
    const node = new FlakyZellular()
    const databaseFile = temporaryDatabaseFile('passed-nonce-')
    const options = { sequencer: node, databaseFile, position: 5 }
    const parameters = { redeliverAfterMs: 100 }
    const first = await startReplica({ ...options, parameters })
    const mallory = testAccount(777)
    const toAlice = (nonce: number) => transferFrom(mallory, nonce, alice.address)
    // Mallory holds 1 USDT and has used 99 nonces far apart: her window holds 99 of its 100.
    node.append(JSON.stringify([transferFrom(alice, 1, mallory.address, '100')]))
    node.append(JSON.stringify(Array.from({ length: 99 }, (_, i) => toAlice((i + 1) * 1_000))))
    await waitFor(() => first.state.position.index === 2)
    expect(first.state.exchange.ledger.keptNonces(mallory.address)).toHaveLength(99)
    // A new highest nonce, then, before it applies, nonces below her lowest kept one: each low
    // one passes the intake (its window has room), and is too low once the high one applied.
    let open!: () => void
    node.gate = new Promise((resolve) => (open = resolve))
    const sendsBefore = node.sends
    const high = postTo(first, toAlice(1_000_000))
    await waitFor(() => node.sends > sendsBefore)
    const lows = [501, 502, 503].map((nonce) => postTo(first, toAlice(nonce)))
    await waitFor(() => first.deps.pending.size === 4)
    open()
    node.gate = undefined
    const answers = await Promise.all([high, ...lows])
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202])
    const [highId, ...lowIds] = await Promise.all(answers.map(intentIdOf))
    const statusAt = async (target: Replica, id: string) =>
      (await target.app.request(`/tx/${id}`)).status
    await waitFor(async () => {
      const answer = await (await first.app.request(`/tx/${highId}`)).json()
      return txResponseSchema.parse(answer).status === 'applied'
    })
    expect(first.deps.pending.size).toBe(0)
    for (const id of lowIds) expect(await statusAt(first, id)).toBe(404)
    await stopReplica(first)
    const second = await startReplica({ ...options, parameters })
    expect(second.deps.pending.size).toBe(0)
    const sendsAtRestart = node.sends
    // Several sweeps and redelivery waits: nothing is left to send again.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(node.sends).toBe(sendsAtRestart)
    for (const id of lowIds) expect(await statusAt(second, id)).toBe(404)
    await stopReplica(second)
    const journaled = PendingJournal.open(`${databaseFile}.pending.jsonl`).recovered
    expect(journaled.map((entry) => entry.intentId)).toEqual([])
  })
})

describe('an intent refused with 503 overloaded', () => {
  it('leaves no trace in the journal: a restarted replica does not send it', async () => {
    const node = new FlakyZellular()
    const databaseFile = temporaryDatabaseFile('refused-')
    const options = { sequencer: node, databaseFile, position: 6 }
    const first = await startReplica({ ...options, parameters: { pendingMax: 2 } })
    const bobBefore = first.state.exchange.ledger.available(bob.address, 'USDT')
    let open!: () => void
    node.gate = new Promise((resolve) => (open = resolve))
    // Two intents fill the submit queue (pendingMax 2) while the node is slow to answer.
    const filling = [postTo(first, transfer('1')), postTo(first, transfer('1'))]
    await waitFor(() => node.sends > 0 && first.deps.pending.size === 2)
    const refused = await postTo(first, transfer('500'))
    expect(refused.status).toBe(503)
    expect(errorResponseSchema.parse(await refused.json()).error.code).toBe('overloaded')
    open()
    node.gate = undefined
    for (const answer of await Promise.all(filling)) expect(answer.status).toBe(202)
    // Told that nothing was sent, the user signs the payment again with a new nonce.
    const againId = await intentIdOf(postTo(first, transfer('500')))
    await waitFor(async () => {
      const answer = await (await first.app.request(`/tx/${againId}`)).json()
      return txResponseSchema.parse(answer).status === 'applied'
    })
    const paid = first.state.exchange.ledger.available(bob.address, 'USDT') - bobBefore
    expect(paid).toBe(502_000_000n)
    await stopReplica(first)
    const second = await startReplica({ ...options, parameters: { redeliverAfterMs: 100 } })
    expect(second.deps.pending.size).toBe(0)
    // Several sweeps and redelivery waits: the refused payment is not sent, so bob has one.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(second.state.exchange.ledger.available(bob.address, 'USDT') - bobBefore).toBe(paid)
  })
})
