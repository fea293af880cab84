import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProxyMesh } from './proxy.ts'

/*
 * The chaos suite's links on loopback, in front of a small HTTP server: each fault does what the
 * nemesis relies on, and healing restores the link. Ports 19950-19959.
 */

let target: Server
let mesh: ProxyMesh
const TARGET_PORT = 19_950

beforeAll(async () => {
  target = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/plain' })
    response.end(`hello ${request.url}`)
  })
  await new Promise<void>((done) => target.listen(TARGET_PORT, '127.0.0.1', done))
  mesh = new ProxyMesh('127.0.0.1', 19_951)
  await mesh.addTcp('a', 'b', TARGET_PORT)
  await mesh.addHttp('client', 'b', TARGET_PORT)
})

afterAll(async () => {
  await mesh?.close()
  await new Promise((done) => target?.close(done))
})

async function call(url: string, timeoutMs = 1_000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  return response.text()
}

describe.each(['a', 'client'])('a link from %s', (from) => {
  const url = (path: string) => `${mesh.link(from, 'b').url}${path}`

  it('forwards calls, keeping the connection alive', async () => {
    expect(await call(url('/one'))).toBe('hello /one')
    expect(await call(url('/two'))).toBe('hello /two')
  })

  it('refuses calls while cut, and forwards them again once healed', async () => {
    mesh.setFaults((link) => link.from === from, { kind: 'cut' })
    const started = Date.now()
    await expect(call(url('/cut'))).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(900) // refused, not timed out
    mesh.healAll()
    expect(await call(url('/healed'))).toBe('hello /healed')
  })

  it('lets calls hang while dropping', async () => {
    mesh.setFaults((link) => link.from === from, { kind: 'drop' })
    await expect(call(url('/drop'), 400)).rejects.toThrow(/timeout|aborted/i)
    mesh.healAll()
    expect(await call(url('/healed'))).toBe('hello /healed')
  })

  it('delays calls', async () => {
    mesh.setFaults((link) => link.from === from, { kind: 'delay', ms: 300 })
    const started = Date.now()
    expect(await call(url('/slow'))).toBe('hello /slow')
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    mesh.healAll()
  })
})

describe('an HTTP link', () => {
  it("tells its destination's lie, and stops when told", async () => {
    const url = `${mesh.link('client', 'b').url}/status`
    mesh.setRewriter('b', (path, status, body) =>
      path === '/status' && status === 200 ? Buffer.from(`${body.toString()} (a lie)`) : undefined,
    )
    expect(await call(url)).toBe('hello /status (a lie)')
    mesh.healAll()
    expect(await call(url)).toBe('hello /status')
  })
})
