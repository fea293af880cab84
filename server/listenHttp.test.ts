import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, it } from 'vitest'
import { listenHttp } from './listenHttp.ts'

it('keeps an idle connection past Node’s 5 s default, so a client coming back reuses it', async () => {
  const server = (await listenHttp(() => new Response('ok'), '127.0.0.1', 0)) as Server
  let connections = 0
  server.on('connection', () => (connections += 1))
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    expect(await (await fetch(url)).text()).toBe('ok')
    await new Promise((resolve) => setTimeout(resolve, 6_000))
    expect(await (await fetch(url)).text()).toBe('ok')
    expect(connections).toBe(1)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}, 20_000)
