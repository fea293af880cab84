import type { ServerType } from '@hono/node-server'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SignedBalance, StatusResponse } from '../../shared/api/index.ts'
import { createApiReplica } from './apiReplica.ts'
import type { Replica } from './replica.ts'
import {
  freeLoopbackPorts,
  InMemorySequencer,
  removeTemporaryFolders,
  serveOnLoopback,
  serveReplicas,
  startReplica,
  stopReplica,
  stopStartedReplicas,
  testBlsKey,
  testGenesis,
  testRegistry,
  traders,
  usdtPayments,
  usePostgresServer,
  waitFor,
} from './testing.ts'

/*
 * Replica 3 as an applier on a real PostgreSQL server beside two peers on SQLite, all over HTTP
 * on 127.0.0.1, and an API process of replica 3 on the same database: once the applier finds its
 * state is not the one its peers signed, the API process stops signing it too, and signs again
 * once the applier runs intact. The applier restarted without being healed stays diverged (its
 * database records it), and a second API process, cut off from the applier from before the
 * divergence until after the heal, learns of it from the record in the database and never
 * serves a signature it made of the diverged state; nor does one started while the applier is
 * away on the unhealed database.
 */

const server = usePostgresServer({ beforeAll, afterAll })
const cleanups: (() => Promise<unknown> | void)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await stopStartedReplicas()
  removeTemporaryFolders()
})

const [payer, payee] = [traders[4]!, traders[5]!]
const pay = usdtPayments(payer, payee)

/** Closes `http` with its open connections, so that no client reaches a stopped replica. */
function closeHttp(http: ServerType): Promise<void> {
  return new Promise((resolve) => {
    ;(http as unknown as { closeAllConnections(): void }).closeAllConnections()
    http.close(() => resolve())
  })
}

/** Runs `statements` on the database at `databaseUrl`, as its operator would. */
async function onDatabase(databaseUrl: string, statements: (client: pg.Client) => Promise<void>) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await statements(client)
  } finally {
    await client.end()
  }
}

describe('an API process of a diverged applier on PostgreSQL', () => {
  it('signs nothing while its applier is diverged, and signs again once it is healed', async () => {
    const sequencer = new InMemorySequencer()
    const base = await freeLoopbackPorts(3, 24_600, 24_999)
    const registry = testRegistry(3, base)
    const parameters = { divergenceCheckMs: 100 }
    const served = await serveReplicas({
      sequencer,
      registry,
      positions: [1, 2],
      parameters,
      atRegistryPorts: true,
    })
    const databaseUrl = await server.createDatabase()
    const applierUrl = registry.replicas[2]!.url
    const lines: string[] = []
    let http: ServerType | undefined
    const startApplier = async (
      options: { stateSync?: { sources?: string[] }; divergenceCheckMs?: number } = {},
    ) => {
      const { stateSync, divergenceCheckMs = parameters.divergenceCheckMs } = options
      const replica = await startReplica({
        sequencer,
        registry,
        position: 3,
        databaseUrl,
        parameters: { divergenceCheckMs, rateLimits: false },
        log: (line) => lines.push(line),
        ...(stateSync === undefined ? {} : { stateSync }),
      })
      http = (await serveOnLoopback(replica.app.fetch, base + 2)).server
      return replica
    }
    const stopApplier = async (replica: Replica) => {
      await closeHttp(http!)
      await stopReplica(replica)
    }
    let applier = await startApplier()
    for (let n = 0; n < 5; n++) pay(sequencer, '1.5')
    const all = [...served.replicas, applier]
    await waitFor(() => all.every((one) => one.state.position.index === sequencer.bodies.length))

    // Both API processes of replica-3, on the applier's database.
    const apiProcess = {
      replicaId: 'replica-3',
      registry,
      genesis: testGenesis,
      blsSecretKey: testBlsKey(3),
      databaseUrl,
      applierUrl,
    }
    const api = await createApiReplica({
      ...apiProcess,
      log: (line) => lines.push(`api: ${line}`),
    })
    cleanups.push(() => api.stop())
    await api.start()
    // A second API process, whose every request to the applier fails while it is cut off.
    let cut = false
    const cutOff = await createApiReplica({
      ...apiProcess,
      log: (line) => lines.push(`cut off: ${line}`),
      fetch: async (input, init) => {
        if (cut) throw new Error('cut off from the applier')
        return fetch(input, init)
      },
    })
    cleanups.push(() => cutOff.stop())
    await cutOff.start()
    const signed = async (
      app: { request(path: string): Response | Promise<Response> },
      path: string,
    ) => {
      const response = await app.request(path)
      return { status: response.status, body: (await response.json()) as SignedBalance }
    }
    // It signs what its peers sign (the payer's balance: the payee's is left unsigned for now).
    const payerPath = `/balance?address=${payer.address}&token=USDT`
    expect((await signed(api.app, payerPath)).body.attestation).toEqual({
      ...(await signed(served.replicas[0]!.app, payerPath)).body.attestation,
      replicaId: 'replica-3',
    })
    const balancePath = `/balance?address=${payee.address}&token=USDT`
    const apiBalance = () => signed(api.app, balancePath)
    const right = (await signed(served.replicas[0]!.app, balancePath)).body

    // Stopped, its database is changed behind its back: the payee's USDT gets a digit more, in
    // the current balance the applier loads (its kept state-tree leaf forgotten, so the restart
    // hashes the value it finds) and in the history the API process signs from.
    await stopApplier(applier)
    await onDatabase(databaseUrl, async (client) => {
      const address = Buffer.from(payee.address.toLowerCase().slice(2), 'hex')
      const current = await client.query(
        `UPDATE balances SET available = available || '0', leaf_bucket = NULL, leaf_digest = NULL
         WHERE address = $1 AND token = 'USDT'`,
        [address],
      )
      const history = await client.query(
        `UPDATE balance_history SET available = available || '0'
         WHERE address = $1 AND token = 'USDT' AND batch_index = (SELECT max(batch_index)
           FROM balance_history WHERE address = $1 AND token = 'USDT')`,
        [address],
      )
      expect([current.rowCount, history.rowCount]).toEqual([1, 1])
    })
    // The API process signs what the database holds: the edited balance.
    const signedWrong = await apiBalance()
    expect(signedWrong.status).toBe(200)
    expect(signedWrong.body.attestation.available).toBe(`${right.attestation.available}0`)
    expect((await signed(cutOff.app, balancePath)).body).toEqual(signedWrong.body)
    // The second API process hears nothing of the applier from now until it is healed.
    cut = true

    // The applier, restarted on it, signs a root no peer signed and reports itself diverged.
    applier = await startApplier()
    const applierStatus = async () =>
      (await (await fetch(`${applierUrl}/status`)).json()) as StatusResponse
    await waitFor(async () => (await applierStatus()).diverged !== undefined)
    expect((await fetch(`${applierUrl}${balancePath}`)).status).toBe(503)

    // Its API process learns it and refuses as the applier does: no signed balance of that
    // state, nor any other read of it; its own condition and the registry stay open.
    let last = await apiBalance()
    await waitFor(async () => {
      last = await apiBalance()
      return last.status !== 200
    }, 10_000).catch(() => {
      throw new Error(
        `the API process still signs ${JSON.stringify(last.body.attestation)} 10 s after ` +
          'its applier reported diverged',
      )
    })
    expect(last).toMatchObject({ status: 503, body: { error: { code: 'replica_diverged' } } })
    for (const path of [`/balances?address=${payee.address}`, `/orders?address=${payee.address}`]) {
      const refused = await api.app.request(path)
      expect(refused.status, path).toBe(503)
      expect(await refused.json(), path).toMatchObject({ error: { code: 'replica_diverged' } })
    }
    expect((await api.app.request('/markets')).status).toBe(200)
    const forwarded = (await (await api.app.request('/status')).json()) as StatusResponse
    expect(forwarded.diverged).toEqual((await applierStatus()).diverged)

    // Restarted without its operator healing it, with checks too rare to find anything in this
    // test, it is diverged from its first answer (its database says so) and signs nothing.
    await stopApplier(applier)
    const linesBefore = lines.length
    applier = await startApplier({ divergenceCheckMs: 600_000 })
    expect((await applierStatus()).diverged).toEqual(forwarded.diverged)
    expect((await fetch(`${applierUrl}${balancePath}`)).status).toBe(503)
    expect((await fetch(`${applierUrl}/root`)).status).toBe(503)
    expect(applier.deps.roots.latest()).toBeUndefined()
    await waitFor(() =>
      lines
        .slice(linesBefore)
        .some((line) => /^diverged at \d+ on PostgreSQL: signing nothing/.test(line)),
    )
    expect((await apiBalance()).status).toBe(503)

    // Healed as the README says: the applier stopped, its database emptied, started again with
    // state sync. While it is away the API process keeps refusing: an unanswered ask of the
    // applier's status keeps the last verdict.
    await stopApplier(applier)
    await waitFor(() => lines.some((line) => /^api: applier status: .* stays diverged/.test(line)))
    expect((await apiBalance()).status).toBe(503)
    // An API process started now never heard the applier: the record in the database it reads
    // is what tells it, from its first request, that the state there is diverged.
    const late = await createApiReplica({
      ...apiProcess,
      log: (line) => lines.push(`late: ${line}`),
    })
    cleanups.push(() => late.stop())
    await late.start()
    expect(await signed(late.app, balancePath)).toMatchObject({
      status: 503,
      body: { error: { code: 'replica_diverged' } },
    })
    await onDatabase(databaseUrl, async (client) => {
      await client.query('DROP SCHEMA IF EXISTS drizzle CASCADE')
      await client.query('DROP SCHEMA public CASCADE')
      await client.query('CREATE SCHEMA public')
    })
    applier = await startApplier({ stateSync: {} })
    expect(lines.some((line) => /^state sync: installed/.test(line))).toBe(true)
    expect((await applierStatus()).diverged).toBeUndefined()
    await waitFor(async () => (await apiBalance()).status === 200)
    const healed = await apiBalance()
    expect(healed.body.attestation.available).toBe(right.attestation.available)

    // The API process cut off meanwhile never heard the applier, but read the record: it
    // refused too until, back in touch, it signs the healed balance, not the one it signed of
    // the diverged state at the same index.
    expect(lines).toContainEqual(expect.stringMatching(/^cut off: the database records a/))
    cut = false
    await waitFor(async () => (await signed(cutOff.app, balancePath)).status === 200)
    const rejoined = await signed(cutOff.app, balancePath)
    expect(rejoined.body.attestation.index).toBe(signedWrong.body.attestation.index)
    expect(rejoined.body.attestation.available).toBe(right.attestation.available)
    // And it forgets what it signed as soon as it sees the applier started anew.
    await waitFor(() =>
      lines.some((line) =>
        /^cut off: the applier started anew .*: its signatures are forgotten/.test(line),
      ),
    )
  })
})
