import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { expect, it } from 'vitest'
import { waitUntilServing } from './zellularNetwork.ts'

it('gives up on a node whose process exited before serving, while another holds its port', async () => {
  // A node that cannot listen (EADDRINUSE) exits; the port still answers, but not as a node.
  const occupant = createServer((socket) => socket.destroy())
  await new Promise<void>((done) => occupant.listen(22_290, '127.0.0.1', done))
  try {
    const child = spawn(process.execPath, ['-e', 'process.exit(1)'], { stdio: 'ignore' })
    const exited = new Promise<number | null>((done) => child.once('exit', done))
    await expect(waitUntilServing('http://127.0.0.1:22290', 5_000, exited)).rejects.toThrow(
      'http://127.0.0.1:22290 exited before serving (code 1)',
    )
  } finally {
    await new Promise((done) => occupant.close(done))
  }
})
