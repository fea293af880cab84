import { createServer, type Server } from 'node:net'
import { expect, it } from 'vitest'

const listening = (server: Server, port: number) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : -1))
    })
  })

it('refuses a fixed port of the ephemeral range in tests, and allows port 0 and lower ones', async () => {
  expect(() => createServer().listen(33_401, '127.0.0.1')).toThrow(
    'a test listens on port 33401, inside the ephemeral range 32768–60999',
  )
  expect(() => createServer().listen({ port: 60_999, host: '127.0.0.1' })).toThrow('port 60999')
  expect(await listening(createServer(), 0)).toBeGreaterThan(0)
  expect(await listening(createServer(), 20_997)).toBe(20_997)
})
