import { describe, expect, it } from 'vitest'
import { BatchSubmitter } from './batchSubmitter.ts'

function submitter(sent: string[]) {
  return new BatchSubmitter({
    send: async (body) => {
      sent.push(body)
    },
    windowMs: 1,
    maxBytes: 5_000,
    maxQueued: 1,
  })
}

describe('BatchSubmitter.reserve', () => {
  it('refuses when the queue is full, counting places taken and not yet used', async () => {
    const sent: string[] = []
    const queue = submitter(sent)
    const place = queue.reserve('1')
    expect(() => queue.reserve('2')).toThrow(expect.objectContaining({ code: 'overloaded' }))
    place.release()
    expect(await queue.reserve('3').submit()).toBe('accepted')
    expect(sent).toEqual(['[3]'])
  })

  it('never refuses a place taken before a stop: unknown, sent by whoever recorded it', async () => {
    const sent: string[] = []
    const queue = submitter(sent)
    const place = queue.reserve('1')
    queue.stop()
    expect(await place.submit()).toBe('unknown')
    expect(sent).toEqual([])
  })
})
