import { herumi } from '../../shared/attest/herumi.ts'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ReplicaRegistry } from '../../shared/api/index.ts'
import { createBlsVerifier, type RootCertificate } from '../../shared/attest/index.ts'
import {
  InMemorySequencer,
  sendToBob,
  serveReplicas,
  stopStartedReplicas,
  testRegistry,
  waitFor,
} from '../replica/testing.ts'
import { askRoot, gatherRoot } from './quorumRoot.ts'

const sequencer = new InMemorySequencer()
let registry: ReplicaRegistry

beforeAll(async () => {
  sequencer.timestamp = 1_800_000_000
  const trusted = testRegistry(3, 15_930)
  const served = await serveReplicas({
    sequencer,
    registry: trusted,
    positions: [1, 2, 3],
    atRegistryPorts: true,
  })
  registry = served.registry
  for (let n = 1; n <= 2; n += 1) sendToBob(sequencer, 1_800_000_000_000 + n, '1')
  await waitFor(() => served.replicas.every((replica) => replica.state.position.index === 2))
  // Replicas hash at most once per interval: wait until each signed index 2.
  await waitFor(async () => {
    const statuses = await Promise.all(
      registry.replicas.map(async (replica) => {
        const answer = await fetch(`${replica.url}/root?index=2`)
        await answer.body?.cancel()
        return answer.status
      }),
    )
    return statuses.every((status) => status === 200)
  })
})

afterAll(stopStartedReplicas)

const verifier = createBlsVerifier(herumi)

/** A fetch that records the paths asked, and lets `alter` rewrite certificates on the way. */
function recordingFetch(alter?: (certificate: RootCertificate) => RootCertificate) {
  const asked: string[] = []
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(String(input))
    asked.push(url.pathname)
    const response = await fetch(input, init)
    if (alter === undefined || url.pathname !== '/root_certificate') return response
    const certificate = (await response.json()) as RootCertificate
    return new Response(JSON.stringify(alter(certificate)), { status: response.status })
  }
  return { asked, recording }
}

it('takes the quorum root from one certificate of the replica that served the value', async () => {
  const { asked, recording } = recordingFetch()
  const parameters = { registry, bls: verifier, fetch: recording }
  const root = await gatherRoot(parameters, 2, registry.replicas[0]!.url)
  expect(root).toMatchObject({ ok: true, root: { index: 2 } })
  expect(root.ok && root.signers.length).toBeGreaterThanOrEqual(2)
  // One request of this client; the certifier asked its peers itself.
  expect(asked).toEqual(['/root_certificate'])
})

it('trusts no certificate: a forged one costs a request, then every replica is asked', async () => {
  // The certifier claims a signer set whose signatures are not the ones it added up.
  const { asked, recording } = recordingFetch((certificate) => ({
    ...certificate,
    signers: certificate.signers.slice(0, 2).reverse(),
    aggregateSignature: `0x${'a'.repeat(192)}`,
  }))
  const parameters = { registry, bls: verifier, fetch: recording }
  const root = await gatherRoot(parameters, 2, registry.replicas[0]!.url)
  expect(root).toMatchObject({ ok: true, root: { index: 2 } })
  expect(asked).toEqual(['/root_certificate', '/root', '/root', '/root'])
  // Without a certifier, the attestations are gathered as before.
  const direct = recordingFetch()
  expect(await gatherRoot({ ...parameters, fetch: direct.recording }, 2)).toEqual(root)
  expect(direct.asked).toEqual(['/root', '/root', '/root'])
})

it('classifies a replica without the root by the HTTP status, whatever the body', async () => {
  const replica = registry.replicas[0]!
  const answering =
    (status: number, body: string): typeof fetch =>
    async () =>
      new Response(body, { status })
  const kindOf = async (ask: typeof fetch) => (await askRoot({ fetch: ask }, replica, 2)).kind
  expect((await askRoot({}, replica, 99)).kind).toBe('behind') // root_not_kept
  expect(await kindOf(answering(404, '404 Not Found'))).toBe('behind')
  expect(await kindOf(answering(503, '{}'))).toBe('unreachable')
  expect(await kindOf(answering(500, 'Internal Server Error'))).toBe('unreachable')
  const refused: typeof fetch = async () => {
    throw new TypeError('fetch failed')
  }
  expect(await kindOf(refused)).toBe('unreachable')
  expect(await kindOf(answering(200, '{}'))).toBe('answer')
})
