import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { answerBytesMax, ReplicaRequestError, requestJson } from './replicaClient.ts'

/** Ports of this file's test servers (the range this work may use). */
const port = 20_010

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** A replica stand-in on 127.0.0.1:`port` that answers every request with `respond`. */
async function replicaAnswering(
  respond: (response: import('node:http').ServerResponse) => void,
): Promise<string> {
  server = createServer((_request, response) => respond(response))
  await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
  return `http://127.0.0.1:${port}/status`
}

describe('requestJson', () => {
  it('refuses a 2xx answer larger than its byte cap, though the schema would take it', async () => {
    // A JSON array of zeros just over the cap: valid, and nothing in the schema bounds it.
    const body = `[${'0,'.repeat(answerBytesMax / 2)}0]`
    const url = await replicaAnswering((response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(body)
    })
    const error = await requestJson(url, z.array(z.number())).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ReplicaRequestError)
    expect(error).toMatchObject({ kind: 'invalid_response' })
    expect((error as Error).message).toContain('bytes')
  })

  it('stops reading an endless answer at the cap, well before its timeout', async () => {
    const chunk = Buffer.alloc(64 * 1024, ' ')
    const url = await replicaAnswering((response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('[')
      const more = () => {
        if (response.destroyed) return
        if (response.write(chunk)) setImmediate(more)
        else response.once('drain', more)
      }
      more()
    })
    const error = await requestJson(url, z.unknown(), { timeoutMs: 20_000 }).catch(
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({ kind: 'invalid_response' })
  })

  it('reads an answer within the cap as before', async () => {
    const url = await replicaAnswering((response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('[1,2,3]')
    })
    expect(await requestJson(url, z.array(z.number()))).toEqual([1, 2, 3])
  })
})
