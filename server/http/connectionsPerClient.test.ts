import { createServer, request, type Agent } from 'node:http'
import { Agent as HttpAgent } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { limitConnectionsPerClient } from './connectionsPerClient.ts'

const agents: Agent[] = []
const closers: (() => void)[] = []
afterEach(() => {
  for (const agent of agents.splice(0)) agent.destroy()
  for (const close of closers.splice(0)) close()
})

/** A GET from `from` on a connection of its own, kept open after the answer (keep-alive). */
function getFrom(from: string, port: number): Promise<number> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 })
  agents.push(agent)
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, localAddress: from, agent }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode!))
    })
    sent.on('error', reject)
    sent.end()
  })
}

it('closes a client address’s connections past its cap at once; other addresses connect', async () => {
  const server = createServer((_request, response) => response.end('ok'))
  limitConnectionsPerClient(server, 3)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => server.close())
  server.keepAliveTimeout = 60_000
  const port = (server.address() as AddressInfo).port
  for (let n = 0; n < 3; n++) expect(await getFrom('127.0.0.2', port)).toBe(200)
  await expect(getFrom('127.0.0.2', port)).rejects.toThrow(/socket hang up|ECONNRESET/)
  expect(await getFrom('127.0.0.1', port)).toBe(200)
  // A connection that closes gives its place back.
  agents[0]!.destroy()
  await new Promise((resolve) => setTimeout(resolve, 100))
  expect(await getFrom('127.0.0.2', port)).toBe(200)
})
