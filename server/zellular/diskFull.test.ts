import Database from 'better-sqlite3'
import { mkdtempSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { startLocalNetwork, type LocalNetwork } from '../devnet/localNetwork.ts'
import { expectSameHistory, loadGenerator } from './loadUnderFaults.ts'
import { finalizedBodies, finalizedIndex, sequencerOf, waitFor } from './testing.ts'

/*
 * A node whose disk fills up (`diskFault.ts`: real SQLITE_FULL errors from its batch store),
 * among three whose disks do not, as real processes: the network goes on, the full node signs
 * and serves nothing it has not stored, and catches up once its disk is free again.
 */

const APP = 'simple_app'
let network: LocalNetwork | undefined
const lines: string[] = []

beforeAll(() => initZellular())
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    console.log(lines.filter((l) => /WARN|ERROR|SWITCH|Error|exited/.test(l)).join('\n'))
  }
  await network?.stop()
  network = undefined
})

/** A network whose node at `fullPosition` has a full disk while the file returned exists. */
async function start(basePort: number, fullPosition: number) {
  lines.length = 0
  const dir = mkdtempSync(join(tmpdir(), 'zellular-disk-full-'))
  const fullFile = join(dir, 'disk-full')
  network = await startLocalNetwork({
    dir,
    basePort,
    apps: [APP],
    // A short border, so that followers dispute a sequencer that finalizes nothing in seconds.
    environment: { ZSEQUENCER_FINALIZATION_TIME_BORDER: '3' },
    environmentOf: (position): Record<string, string> =>
      position === fullPosition ? { ZSEQUENCER_TEST_DISK_FULL_FILE: fullFile } : {},
    onLine: (position, line) => lines.push(`node-${position + 1} ${line}`),
  })
  for (const url of network.urls()) {
    await waitFor(async () => (await fetch(`${url}/node/ready`)).ok)
  }
  return { net: network, fullFile }
}

/** The lines of the node at `position` that say `text`. */
function linesOf(position: number, text: string): string[] {
  return lines.filter((line) => line.startsWith(`node-${position + 1} `) && line.includes(text))
}

/** Fills the disk of the node at `position`, and waits until a write of it failed for that. */
async function fillDisk(fullFile: string, position: number): Promise<void> {
  writeFileSync(fullFile, '')
  await waitFor(() => linesOf(position, 'test fault: disk full').length > 0, 10_000)
  // Writes that fit in a page's free room still succeed: the load fills it within seconds.
  await waitFor(() => linesOf(position, 'database or disk is full').length > 0, 60_000)
}

async function freeDisk(fullFile: string, position: number): Promise<void> {
  unlinkSync(fullFile)
  await waitFor(() => linesOf(position, 'test fault: disk free again').length > 0, 10_000)
}

/**
 * Puts `count` batches straight to the node at `position` (the SDK keeps to one node, which need
 * not be the full one), each until the node takes it (it refuses while a switch pauses it).
 */
async function putTo(net: LocalNetwork, position: number, tag: string, count: number) {
  const taken: string[] = []
  let refusal = ''
  for (let n = 0; n < count; n++) {
    const body = JSON.stringify({ [tag]: n })
    const put = async () => {
      const response = await fetch(`${net.urls()[position]!}/node/${APP}/batches`, {
        method: 'PUT',
        body,
        headers: { 'Content-Type': 'text/plain' },
      })
      if (!response.ok) refusal = `${response.status} ${await response.text()}`
      return response.ok
    }
    await waitFor(put, 30_000).catch((error: unknown) => {
      throw new Error(`node-${position + 1} took no batch ${n}, last: ${refusal}`, { cause: error })
    })
    taken.push(body)
  }
  return taken
}

/** The finalization proofs a node serves, read page by page. */
async function finalizationProofs(url: string): Promise<FinalizationProof[]> {
  const proofs: FinalizationProof[] = []
  for (let after = 0; ;) {
    const response = await fetch(`${url}/node/${APP}/batches/finalized?after=${after}`)
    const page = (await response.json()) as {
      data: { batches: string[]; finalized_signatures: FinalizationProof[] } | null
    }
    if (!page.data) return proofs
    proofs.push(...page.data.finalized_signatures)
    after += page.data.batches.length
  }
}

interface FinalizationProof {
  readonly index: number
  readonly parent_index: number
  readonly nonsigners: readonly string[]
}

/** Every node's finalizations each have a parent of their own: no two on one parent. */
async function expectNoForkedParent(net: LocalNetwork, positions: number[]): Promise<void> {
  for (const position of positions) {
    const proofs = await finalizationProofs(net.urls()[position]!)
    const parents = proofs.map((proof) => proof.parent_index)
    expect(new Set(parents).size, `node-${position + 1}'s parents`).toBe(parents.length)
  }
}

/** Waits until the node at `position` serves each of `bodies` as finalized. */
async function expectFinalized(net: LocalNetwork, position: number, bodies: string[]) {
  await waitFor(async () => {
    const history = new Set(await finalizedBodies(net.urls()[position]!, APP))
    return bodies.every((body) => history.has(body))
  }, 60_000)
}

/** The highest index the node's batch store holds, read from its SQLite file (0: none). */
function storedIndex(net: LocalNetwork, position: number): number {
  const file = join(net.layout.nodes[position]!.dataDir, 'batches.sqlite')
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const row = db.prepare('SELECT max(idx) AS last FROM batches WHERE app = ?').get(APP) as {
      last: number | null
    }
    return row.last ?? 0
  } finally {
    db.close()
  }
}

describe('a node whose disk fills up', () => {
  it(
    'as the sequencer is replaced; once its disk is free it catches up to the same history',
    { timeout: 240_000 },
    async () => {
      const { net, fullFile } = await start(18600, 0)
      const load = loadGenerator(net, APP)
      await waitFor(async () => (await finalizedIndex(net.urls()[1]!, APP)) > 10, 60_000)
      expect(await sequencerOf(net.urls()[1]!)).toBe(net.layout.nodes[0]!.id)

      await fillDisk(fullFile, 0)
      // Clients of the sequencer itself: it sequences their batches, and cannot finalize them.
      const toSequencer = await putTo(net, 0, 'toFullSequencer', 20)
      const next = net.layout.nodes[1]!.id
      for (const position of [1, 2, 3]) {
        await waitFor(async () => (await sequencerOf(net.urls()[position]!)) === next, 60_000)
      }
      // A follower now, with its disk still full: it takes client batches and passes them on.
      const taken = await putTo(net, 0, 'toFull', 20)
      // It refused its followers' PUTs once it could not store a finalization, so they counted
      // it down and replaced it, not after their finalization border.
      expect(lines.some((line) => line.includes('approved (sequencer unreachable)'))).toBe(true)
      expect(lines.some((line) => line.includes('approved (finalization delayed)'))).toBe(false)
      const switchedAt = await finalizedIndex(net.urls()[1]!, APP)
      await waitFor(
        async () => (await finalizedIndex(net.urls()[1]!, APP)) > switchedAt + 200,
        60_000,
      )
      await expectFinalized(net, 1, taken)
      // Behind, and served as finalized only what its disk holds.
      const served = await finalizedIndex(net.urls()[0]!, APP)
      expect(served).toBeLessThanOrEqual(storedIndex(net, 0))
      expect(served).toBeLessThan(await finalizedIndex(net.urls()[1]!, APP))
      await load.stop()
      const acknowledged = [...load.acknowledged, ...toSequencer, ...taken]
      await expectSameHistory(net, APP, [1, 2, 3], acknowledged)
      await expectNoForkedParent(net, [0, 1, 2, 3])

      await freeDisk(fullFile, 0)
      const target = await finalizedIndex(net.urls()[1]!, APP)
      await waitFor(async () => (await finalizedIndex(net.urls()[0]!, APP)) >= target, 60_000)
      await expectSameHistory(net, APP, [0, 1, 2, 3], acknowledged)
      await expectNoForkedParent(net, [0, 1, 2, 3])
      expect(lines.filter((line) => line.includes('exited'))).toEqual([])
    },
  )

  it(
    'as a follower signs nothing past what it stored, restarted still syncs; once free catches up',
    { timeout: 240_000 },
    async () => {
      const fullPosition = 2
      const { net, fullFile } = await start(18620, fullPosition)
      const fullId = net.layout.nodes[fullPosition]!.id
      const load = loadGenerator(net, APP)
      await waitFor(async () => (await finalizedIndex(net.urls()[1]!, APP)) > 10, 60_000)

      await fillDisk(fullFile, fullPosition)
      const filledAt = await finalizedIndex(net.urls()[1]!, APP)
      // It takes client batches and passes them on all the same.
      const taken = await putTo(net, fullPosition, 'toFull', 20)
      // The other three finalize on (3 of 4 equal stakes are over the 67 % threshold).
      const far = filledAt + 200
      await waitFor(async () => (await finalizedIndex(net.urls()[1]!, APP)) > far, 60_000)
      await expectFinalized(net, 1, taken)
      // Proofs first, then what the full node holds: it can only have stored more since.
      const proofs = await finalizationProofs(net.urls()[1]!)
      const served = await finalizedIndex(net.urls()[fullPosition]!, APP)
      const stored = storedIndex(net, fullPosition)
      expect(served).toBeLessThanOrEqual(stored)
      const past = proofs.filter((proof) => proof.parent_index > stored)
      expect(past.length).toBeGreaterThan(0)
      // A finalization on a parent it has not stored is one it did not sign.
      for (const proof of past) expect(proof.nonsigners).toContain(fullId)
      const history = await finalizedBodies(net.urls()[1]!, APP)
      const own = await finalizedBodies(net.urls()[fullPosition]!, APP)
      expect(history.slice(0, own.length)).toEqual(own)
      expect(await sequencerOf(net.urls()[1]!)).toBe(net.layout.nodes[0]!.id)
      expect(lines.filter((line) => line.includes('exited'))).toEqual([])

      // Restarted on its full disk (by an operator, a supervisor): its first catch-up writes
      // fail too, and it syncs with the sequencer all the same, to take client batches again.
      // The restart kills it (SIGKILL), and with it the batches it still queues: none, here.
      await load.stop()
      await expectFinalized(net, 1, [...load.acknowledged, ...taken])
      const failedWrites = () => linesOf(fullPosition, 'database or disk is full').length
      const failedBefore = failedWrites()
      await net.restart(fullPosition)
      await waitFor(() => failedWrites() > failedBefore, 60_000)
      const afterRestart = await putTo(net, fullPosition, 'afterRestart', 5)
      await expectFinalized(net, 1, afterRestart)
      expect(await finalizedIndex(net.urls()[fullPosition]!, APP)).toBeLessThanOrEqual(
        storedIndex(net, fullPosition),
      )

      await freeDisk(fullFile, fullPosition)
      const target = await finalizedIndex(net.urls()[1]!, APP)
      await waitFor(
        async () => (await finalizedIndex(net.urls()[fullPosition]!, APP)) >= target,
        60_000,
      )
      const acknowledged = [...load.acknowledged, ...taken, ...afterRestart]
      await expectSameHistory(net, APP, [0, 1, 2, 3], acknowledged)
      await expectNoForkedParent(net, [0, 1, 2, 3])
      // The restart's own exit alone.
      expect(lines.filter((line) => line.includes('exited'))).toHaveLength(1)
    },
  )
})
