import { describe, expect, it } from 'vitest'
import {
  createBlsVerifier,
  herumi,
  registryHashOf,
  signRootAttestation,
  type SignedRoot,
} from '../../shared/attest/index.ts'
import { DivergenceWatch } from './divergenceWatch.ts'
import { testBlsKey, testRegistry } from './testing.ts'

// Nothing listens on these: every answer comes from the watch's fetch below.
const registry = testRegistry(3, 30_980)
const root = (stateHash: string) => ({ chainingHash: 'b'.repeat(32), time: 7_000, stateHash })
const [ours, theirs] = [root(`0x${'3'.repeat(64)}`), root(`0x${'4'.repeat(64)}`)]

function signed(position: number, index: number, statement: typeof ours): SignedRoot {
  return signRootAttestation(testBlsKey(position), {
    app: registry.app,
    network: registry.network,
    registryHash: registryHashOf(registry),
    replicaId: `replica-${position}`,
    index,
    ...statement,
  })
}

/**
 * A watch of replica 1 whose latest root is `latest.root`; its peers answer the roots of
 * `peers` by index (404 for others). `asked` lists the indexes asked, one entry per peer asked.
 */
function watching(peers: Map<number, typeof ours>) {
  const latest: { root: SignedRoot | undefined } = { root: undefined }
  const asked: number[] = []
  const lines: string[] = []
  const fetchRoot: typeof fetch = async (input) => {
    const url = new URL(String(input))
    const index = Number(url.searchParams.get('index'))
    asked.push(index)
    const position = registry.replicas.findIndex((replica) => replica.url === url.origin) + 1
    const statement = peers.get(index)
    if (statement === undefined) {
      return Response.json({ error: { code: 'root_not_kept', message: 'no' } }, { status: 404 })
    }
    return Response.json(signed(position, index, statement))
  }
  const watch = new DivergenceWatch({
    registry,
    replicaId: 'replica-1',
    latestRoot: () => latest.root,
    bls: createBlsVerifier(herumi),
    asking: { fetch: fetchRoot, timeoutMs: 1_000 },
    log: (line) => lines.push(line),
  })
  return { watch, latest, asked, lines }
}

describe('DivergenceWatch', () => {
  it('checks, at each step, the root it had at the step before, once it has a verdict', async () => {
    const { watch, latest, asked } = watching(new Map([[10, ours]]))
    latest.root = signed(1, 10, ours)
    // The first step only takes the root: peers may not have signed it yet.
    expect(await watch.step()).toBeUndefined()
    expect(asked).toEqual([])
    expect(await watch.step()).toBeUndefined()
    expect(asked).toEqual([10, 10])
    // Agreed there: not asked again while the latest root stays the same.
    expect(await watch.step()).toBeUndefined()
    expect(asked).toEqual([10, 10])
  })

  it('asks again while its peers are behind, then moves on to its newer root', async () => {
    const peers = new Map<number, typeof ours>()
    const { watch, latest, asked } = watching(peers)
    latest.root = signed(1, 20, ours)
    await watch.step()
    await watch.step()
    latest.root = signed(1, 21, ours)
    await watch.step()
    expect(asked).toEqual([20, 20, 20, 20])
    peers.set(21, ours)
    await watch.step()
    expect(asked.slice(4)).toEqual([21, 21])
  })

  it('is diverged once a quorum of peers signed another root, and watches again once healed', async () => {
    const peers = new Map([[30, theirs]])
    const { watch, latest, lines } = watching(peers)
    latest.root = signed(1, 30, ours)
    await watch.step()
    const divergence = await watch.step()
    expect(divergence).toEqual({
      index: 30,
      stateHash: ours.stateHash,
      quorumStateHash: theirs.stateHash,
      signers: ['replica-2', 'replica-3'],
    })
    expect(watch.diverged).toEqual(divergence)
    expect(lines).toEqual([
      `diverged at index 30: signed ${ours.stateHash}, a quorum (replica-2, replica-3) signed ` +
        `${theirs.stateHash}; signing nothing more until its state is replaced by state sync`,
    ])
    expect(watch.lastHealed).toBeUndefined()
    watch.healed(30)
    expect(watch.diverged).toBeUndefined()
    expect(watch.lastHealed).toEqual({ ...divergence, healedAt: 30 })
    // Its roots of the state synced (index 30 on) are checked from the next index on.
    latest.root = signed(1, 31, theirs)
    peers.set(31, theirs)
    await watch.step()
    expect(await watch.step()).toBeUndefined()
    expect(watch.diverged).toBeUndefined()
  })
})
