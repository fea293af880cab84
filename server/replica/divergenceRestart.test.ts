import { tenfoldBalance } from '../chaos/corruptDatabase.ts'
import { copyFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SignedBalance, StatusResponse } from '../../shared/api/index.ts'
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
  temporaryDatabaseFile,
  testRegistry,
  traders,
  usdtPayments,
  waitFor,
} from './testing.ts'

/*
 * A replica on SQLite that found itself diverged and crashed before its heal replaced its
 * database: restarted on what the crash left, it is diverged from its first answer (it signs
 * nothing of that state) and heals by state sync at once, without waiting for a check to find
 * the divergence again; the healed database starts intact.
 */

const closers: (() => void)[] = []
afterAll(async () => {
  for (const close of closers.splice(0)) close()
  await stopStartedReplicas()
  removeTemporaryFolders()
})

const [payer, payee] = [traders[4]!, traders[5]!]
const pay = usdtPayments(payer, payee)

const status = async (replica: Replica) =>
  (await (await replica.app.request('/status')).json()) as StatusResponse
const balancePath = `/balance?address=${payee.address}&token=USDT`
const payeeBalance = async (replica: Replica) => {
  const response = await replica.app.request(balancePath)
  return { status: response.status, body: (await response.json()) as SignedBalance }
}

/** Copies the SQLite database `from` (with its WAL) to `to`: the files a crash leaves now. */
function copyAsCrashed(from: string, to: string): void {
  copyFileSync(from, to)
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`)
}

describe('a diverged replica restarted before its heal replaced its database', () => {
  it('is diverged from its first answer and heals by state sync at once', async () => {
    const sequencer = new InMemorySequencer()
    const base = await freeLoopbackPorts(3, 24_300, 24_600)
    const registry = testRegistry(3, base)
    const served = await serveReplicas({
      sequencer,
      registry,
      positions: [1, 2],
      parameters: { divergenceCheckMs: 100 },
      atRegistryPorts: true,
    })
    const third = async (options: {
      databaseFile: string
      divergenceCheckMs: number
      fetch?: typeof fetch
      log?: (line: string) => void
    }) => {
      const { databaseFile, divergenceCheckMs, ...rest } = options
      const replica = await startReplica({
        sequencer,
        registry,
        position: 3,
        databaseFile,
        parameters: { divergenceCheckMs },
        ...rest,
      })
      const { server } = await serveOnLoopback(replica.app.fetch, base + 2)
      closers.push(() => server.close())
      return { replica, close: () => server.close() }
    }
    const databaseFile = temporaryDatabaseFile('divergence-restart-')
    let running = await third({ databaseFile, divergenceCheckMs: 100 })
    for (let n = 0; n < 5; n++) pay(sequencer, '1.5')
    const all = () => [...served.replicas, running.replica]
    await waitFor(() => all().every((one) => one.state.position.index === sequencer.bodies.length))
    const right = (await payeeBalance(served.replicas[0]!)).body.attestation
    await stopReplica(running.replica)
    running.close()
    tenfoldBalance(databaseFile, payee.address, 'USDT')

    // Restarted on the edited database it finds itself diverged; as its heal starts, the files
    // are copied as a crash there would leave them. Its peers' snapshots are refused to it, so
    // this run never heals.
    const crashed = join(dirname(databaseFile), 'crashed.db')
    const lines: string[] = []
    const noSnapshots: typeof fetch = async (input, init) =>
      new URL(String(input)).pathname === '/snapshot'
        ? new Response(null, { status: 503 })
        : fetch(input, init)
    running = await third({
      databaseFile,
      divergenceCheckMs: 100,
      fetch: noSnapshots,
      log: (line) => {
        if (/^state sync: replacing the diverged state/.test(line)) {
          copyAsCrashed(databaseFile, crashed)
        }
        lines.push(line)
      },
    })
    await waitFor(() => existsSync(crashed))
    const found = /diverged at index (\d+): signed (0x\w+), a quorum \(.*\) signed (0x\w+)/
    const [, at, own, quorum] = found.exec(lines.find((line) => found.test(line))!)!
    // Its heal ends with the stop (no snapshot came), which the run's promise reports.
    await stopReplica(running.replica).catch(() => undefined)
    running.close()

    // Restarted on what the crash left, with checks too rare to find anything in this test: it
    // says it is diverged from the first request and signs nothing of that state.
    let openSnapshots = () => {}
    const snapshotsOpen = new Promise<void>((resolve) => (openSnapshots = resolve))
    const heldSnapshots: typeof fetch = async (input, init) => {
      if (new URL(String(input)).pathname === '/snapshot') await snapshotsOpen
      return fetch(input, init)
    }
    const restartLines: string[] = []
    running = await third({
      databaseFile: crashed,
      divergenceCheckMs: 600_000,
      fetch: heldSnapshots,
      log: (line) => restartLines.push(line),
    })
    const restarted = running.replica
    expect((await status(restarted)).diverged).toMatchObject({
      index: Number(at),
      stateHash: own,
      quorumStateHash: quorum,
      signers: ['replica-1', 'replica-2'],
    })
    expect(await payeeBalance(restarted)).toMatchObject({
      status: 503,
      body: { error: { code: 'replica_diverged' } },
    })
    expect(restarted.deps.roots.latest()).toBeUndefined()
    // It goes straight to the heal, held at the peers' snapshots.
    await waitFor(() => restartLines.some((line) => /^state sync: replacing/.test(line)))
    expect(restarted.deps.roots.latest()).toBeUndefined()

    openSnapshots()
    await waitFor(() => restartLines.some((line) => /^healed: state of index/.test(line)))
    expect((await status(restarted)).diverged).toBeUndefined()
    expect((await payeeBalance(restarted)).body.attestation).toMatchObject({
      index: right.index,
      available: right.available,
    })

    // Healing cleared what the database said: restarted again, it is intact.
    await stopReplica(restarted)
    running.close()
    running = await third({ databaseFile: crashed, divergenceCheckMs: 600_000 })
    expect((await status(running.replica)).diverged).toBeUndefined()
    expect((await payeeBalance(running.replica)).body.attestation.available).toBe(right.available)
  })
})
