import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ZellularClient } from './client.ts'
import { LaggingNodeError, type ZellularError } from './errors.ts'
import { initZellular } from './index.ts'
import { buildTestCommittee, TEST_APP, TestChain, type TestCommittee } from './testing.ts'

// Real HTTP servers on 127.0.0.1 (ports 21000–21003) play three honest nodes and one that serves
// valid data slowly: for each read only the batches up to the next finalization, starting to
// answer late and trickling the body so that it ends just inside the client's timeout. Each
// page ends at a proof, so none of the client's checks on unproven pages sees it.

const FINALIZED = 400
const SYNC_EVERY = 10
const PORTS = [21000, 21001, 21002, 21003]
const SLOW = 0
const TIMEOUT_MS = 2_000
const MAX_BEHIND_MS = 1_000

let committee: TestCommittee
let chain: TestChain
let proofs: ReturnType<TestChain['proofs']>
const servers: Server[] = []

beforeAll(async () => {
  await initZellular()
  committee = buildTestCommittee({ sockets: PORTS.map((port) => `http://127.0.0.1:${port}`) })
  chain = new TestChain(
    committee,
    Array.from({ length: FINALIZED }, (_, i) => `["b${i + 1}"]`),
  )
  const syncPoints = Array.from({ length: FINALIZED / SYNC_EVERY }, (_, i) => (i + 1) * SYNC_EVERY)
  proofs = chain.proofs(syncPoints)
  for (const [position, port] of PORTS.entries()) {
    const server = createServer((request, response) => serve(position === SLOW, request, response))
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    servers.push(server)
  }
})

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

function serve(slow: boolean, request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? '/', 'http://node')
  const ok = (data: unknown) => JSON.stringify({ status: 'success', data })
  if (url.pathname === `/node/${TEST_APP}/batches/finalized/last`) {
    response.writeHead(200, { 'content-type': 'application/json' })
    return response.end(ok(chain.lastRecord(proofs.at(-1)!)))
  }
  if (url.pathname !== `/node/${TEST_APP}/batches/finalized`) {
    response.writeHead(404)
    return response.end()
  }
  const after = Number(url.searchParams.get('after'))
  if (!slow) {
    const page = after >= FINALIZED ? null : chain.page(after, FINALIZED - after, proofs)
    response.writeHead(200, { 'content-type': 'application/json' })
    return response.end(ok(page))
  }
  // Up to the next finalization only; the answer starts at 30 % of the timeout and its body
  // trickles out in ten parts until 60 % of it (a margin for a busy machine).
  const next = Math.min(FINALIZED, (Math.floor(after / SYNC_EVERY) + 1) * SYNC_EVERY)
  const text = ok(after >= FINALIZED ? null : chain.page(after, next - after, proofs))
  const parts = 10
  const size = Math.ceil(text.length / parts)
  setTimeout(() => {
    response.writeHead(200, { 'content-type': 'application/json' })
    for (let part = 0; part < parts; part++) {
      setTimeout(
        () => {
          if (response.destroyed) return
          const chunk = text.slice(part * size, (part + 1) * size)
          if (part === parts - 1) response.end(chunk)
          else response.write(chunk)
        },
        ((part + 1) * 0.3 * TIMEOUT_MS) / parts,
      )
    }
  }, 0.3 * TIMEOUT_MS)
}

/** Reads until the network's finalized index or until `ms` have passed; the last index read. */
async function readFrom(startAt: string, warnings: ZellularError[], ms: number) {
  const client = new ZellularClient({
    app: TEST_APP,
    network: committee.network,
    timeoutMs: TIMEOUT_MS,
    longPollMs: 200,
    pollIntervalMs: 10,
    maxBackoffMs: 40,
    maxBehindMs: MAX_BEHIND_MS,
    onWarning: (error) => warnings.push(error),
  })
  let reached = 0
  for await (const batch of client.batches({ startAt, signal: AbortSignal.timeout(ms) })) {
    reached = batch.index
    if (reached === FINALIZED) break
  }
  return reached
}

it('leaves a node that serves valid pages slowly, whichever node it starts on', async () => {
  // Within its settings, the client learns what the network finalized from another node and
  // leaves one that keeps it behind that for MAX_BEHIND_MS (plus the probe, the read under way
  // and the next one, each within TIMEOUT_MS). The slow node alone takes 40 reads of ~1.2 s.
  const bound = 3 * (MAX_BEHIND_MS + TIMEOUT_MS)
  const ids = [...committee.network.operators.keys()]
  for (const startAt of [ids[SLOW]!, ids[SLOW + 1]!]) {
    const warnings: ZellularError[] = []
    expect(await readFrom(startAt, warnings, bound)).toBe(FINALIZED)
    // Left for lagging when read first; an honest node that serves everything at once never is.
    const lagging = warnings.some((warning) => warning instanceof LaggingNodeError)
    expect(lagging).toBe(startAt === ids[SLOW])
  }
})
