import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { buildTestCommittee } from '../../shared/zellular/testing.ts'
import { replicaZellularClient } from './zellularClient.ts'

const SETTINGS = {
  nodesFile: 'nodes.json',
  app: 'orderbook-test',
  thresholdPercent: 67,
  pollIntervalMs: 70,
  maxBackoffMs: 900,
  longPollMs: 1_200,
  longPollMaxMs: 2_400,
  quickAnswerMs: 700,
  sourceAddress: undefined,
}

it('hands every ZELLULAR_* setting to the client', async () => {
  await initZellular()
  const { network } = buildTestCommittee()
  const client = replicaZellularClient(SETTINGS, network, () => undefined)
  expect(client).toMatchObject({
    app: 'orderbook-test',
    pollIntervalMs: 70,
    maxBackoffMs: 900,
    longPollMs: 1_200,
    longPollMaxMs: 2_400,
    quickAnswerMs: 700,
  })
})

it('sends from ZELLULAR_SOURCE_ADDRESS and reports a node failure through the log', async () => {
  await initZellular()
  const seen: string[] = []
  const server = createServer((request, response) => {
    seen.push(request.socket.remoteAddress ?? '')
    response.writeHead(500).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    const sockets = Array.from({ length: 4 }, () => `http://127.0.0.1:${port}`)
    const { network } = buildTestCommittee({ sockets })
    const lines: string[] = []
    const settings = { ...SETTINGS, sourceAddress: '127.0.0.2' }
    const client = replicaZellularClient(settings, network, (line) => lines.push(line))
    await expect(client.send('[]')).rejects.toThrow()
    // A reader that meets a failing node says so and goes on with another.
    const reading = new AbortController()
    const read = (async () => {
      for await (const _batch of client.batches({ signal: reading.signal })) break
    })()
    while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
    reading.abort()
    await read.catch(() => undefined)
    expect(new Set(seen)).toEqual(new Set(['127.0.0.2']))
    expect(lines[0]).toMatch(/^zellular node 0x[1-4]{40}: /)
  } finally {
    server.close()
  }
})
