import { describe, expect, it } from 'vitest'
import {
  createBlsVerifier,
  herumi,
  registryHashOf,
  signRootAttestation,
  type SignedRoot,
} from '../../shared/attest/index.ts'
import { checkOwnRoot } from './ownRootCheck.ts'
import { testBlsKey, testRegistry } from './testing.ts'

// Nothing listens on these: every answer comes from `peersAnswering`.
const registry = testRegistry(3, 30_990)
const index = 42
const ownRoot = { chainingHash: 'a'.repeat(32), time: 1_000, stateHash: `0x${'1'.repeat(64)}` }
const otherRoot = { ...ownRoot, stateHash: `0x${'2'.repeat(64)}` }

/** Replica `position`'s root attestation of `index`, signed with `key` (its own by default). */
function signed(position: number, root: typeof ownRoot, key = testBlsKey(position)): SignedRoot {
  return signRootAttestation(key, {
    app: registry.app,
    network: registry.network,
    registryHash: registryHashOf(registry),
    replicaId: `replica-${position}`,
    index,
    ...root,
  })
}

/** A fetch that answers `GET /root?index` at each registry URL with `answers[url]` (404 if none). */
function peersAnswering(answers: Record<string, SignedRoot | undefined>): typeof fetch {
  return async (input) => {
    const url = new URL(String(input))
    const answer = answers[url.origin]
    if (answer === undefined) {
      const error = { error: { code: 'root_not_kept', message: 'not signed here' } }
      return Response.json(error, { status: 404 })
    }
    return Response.json(answer)
  }
}

const [, second, third] = registry.replicas.map((replica) => replica.url)

function check(answers: Record<string, SignedRoot | undefined>) {
  return checkOwnRoot({
    registry,
    replicaId: 'replica-1',
    own: signed(1, ownRoot),
    bls: createBlsVerifier(herumi),
    asking: { fetch: peersAnswering(answers), timeoutMs: 1_000 },
  })
}

describe('checkOwnRoot', () => {
  it('finds this replica diverged when a quorum of its peers signed another root', async () => {
    const verdict = await check({ [second!]: signed(2, otherRoot), [third!]: signed(3, otherRoot) })
    expect(verdict).toMatchObject({
      kind: 'diverged',
      index,
      own: { stateHash: ownRoot.stateHash },
      quorum: { stateHash: otherRoot.stateHash },
      signers: ['replica-2', 'replica-3'],
    })
  })

  it('agrees when one peer signed its root, whatever another one signed', async () => {
    const verdict = await check({ [second!]: signed(2, otherRoot), [third!]: signed(3, ownRoot) })
    expect(verdict).toMatchObject({ kind: 'agrees', signers: ['replica-1', 'replica-3'] })
  })

  it('is not diverged by one lying peer: its own root and another replica forged', async () => {
    // Replica 2 signs another root with its key; replica 3's attestation of that root is forged
    // (made with a key the registry does not list), as a liar relaying "replica 3" would serve it.
    const forged = signed(3, otherRoot, testBlsKey(9))
    const verdict = await check({ [second!]: signed(2, otherRoot), [third!]: forged })
    expect(verdict.kind).toBe('undecided')
  })

  it('is not diverged by a single peer that signed another root while the other is behind', async () => {
    const verdict = await check({ [second!]: signed(2, otherRoot) })
    expect(verdict.kind).toBe('undecided')
  })

  it('is undecided while its peers are behind', async () => {
    expect((await check({})).kind).toBe('undecided')
  })
})
