import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalNetwork, type LocalNetwork } from '../devnet/localNetwork.ts'
import { finalizedBodies, waitFor } from './testing.ts'

let network: LocalNetwork
let follower: string

beforeAll(async () => {
  network = await startLocalNetwork({
    dir: mkdtempSync(join(tmpdir(), 'zellular-bad-input-')),
    basePort: 16101,
    apps: ['simple_app'],
  })
  follower = network.urls()[1]!
  await waitFor(async () => (await fetch(`${follower}/node/ready`)).ok)
})
afterAll(() => network?.stop())

const put = (url: string, body: string, type = 'text/plain', app = 'simple_app') =>
  fetch(`${url}/node/${app}/batches`, { method: 'PUT', body, headers: { 'Content-Type': type } })

describe('bad client input gets zsequencer status and error code, and changes nothing', () => {
  it('refuses an oversize batch with 429 BatchSizeExceededError', async () => {
    const response = await put(follower, 'x'.repeat(5 * 1024 + 1))
    expect(response.status).toBe(429)
    expect(await response.json()).toEqual({
      status: 'error',
      error: {
        code: 'BatchSizeExceededError',
        message: 'The batch exceeds the maximum allowed size.',
      },
    })
    // Exactly 5 KB is allowed.
    expect((await put(follower, 'y'.repeat(5 * 1024))).status).toBe(200)
  })

  it('refuses an unknown app with 400 InvalidRequestError', async () => {
    const response = await put(follower, 'hello', 'text/plain', 'no_such_app')
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      status: 'error',
      error: { code: 'InvalidRequestError', message: 'Invalid app name: no_such_app.' },
    })
  })

  it('answers a non-string JSON body with FastAPI 422', async () => {
    const response = await put(follower, '[{"tx": 1}]', 'application/json')
    expect(response.status).toBe(422)
    expect(((await response.json()) as { detail: unknown[] }).detail.length).toBe(1)
    // A JSON string literal is a batch.
    expect((await put(follower, '"[{\\"tx\\": 1}]"', 'application/json')).status).toBe(200)
  })

  it('answers a negative or non-numeric after with 422', async () => {
    for (const after of ['-1', 'abc', '1.5']) {
      const response = await fetch(`${follower}/node/simple_app/batches/finalized?after=${after}`)
      expect(response.status).toBe(422)
    }
    const unknownState = await fetch(`${follower}/node/simple_app/batches/bogus?after=0`)
    expect(await unknownState.json()).toEqual({
      status: 'success',
      message: 'Operation successful',
      data: null,
    })
    expect((await fetch(`${follower}/node/simple_app/batches/bogus/last`)).status).toBe(400)
  })

  it('refuses unsigned and wrongly signed node-to-node calls', async () => {
    const sequencer = network.urls()[0]!
    const body = JSON.stringify({ app_name: 'simple_app', batches: ['evil'] })
    const unsigned = await fetch(`${sequencer}/sequencer/batches`, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': 'application/json', Version: 'v0.1.7' },
    })
    expect(unsigned.status).toBe(403)
    const forged = await fetch(`${sequencer}/sequencer/batches`, {
      method: 'PUT',
      body,
      headers: {
        'Content-Type': 'application/json',
        Version: 'v0.1.7',
        Signer: network.layout.nodes[1]!.id,
        Signature: '1 1 2',
      },
    })
    expect(forged.status).toBe(403)
    expect(await forged.json()).toMatchObject({ error: { code: 'PermissionDeniedError' } })
    const noVersion = await fetch(`${sequencer}/sequencer/batches`, { method: 'PUT', body })
    expect(noVersion.status).toBe(400)
  })

  it('keeps working: only accepted batches are finalized, in one order everywhere', async () => {
    expect((await put(follower, 'after the storm')).status).toBe(200)
    const expected = ['y'.repeat(5 * 1024), '[{"tx": 1}]', 'after the storm']
    for (const url of network.urls()) {
      await waitFor(async () => (await finalizedBodies(url, 'simple_app')).length === 3)
      expect(await finalizedBodies(url, 'simple_app')).toEqual(expected)
    }
  })
})
