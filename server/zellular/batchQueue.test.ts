import { expect, it } from 'vitest'
import { BatchQueue } from './batchQueue.ts'
import { BATCH_COST_MIN_BYTES } from '../../shared/zellular/index.ts'
import { batchCostBytes } from './rateLimiter.ts'

it('serves clients in turn, each in its own order, put-back bodies first', () => {
  const queue = new BatchQueue()
  queue.push('flood', ['f1', 'f2', 'f3', 'f4'])
  queue.push('alice', ['a1', 'a2'])
  queue.push('bob', ['b1'])
  expect(queue.toArray()).toEqual(['f1', 'a1', 'b1', 'f2', 'a2', 'f3', 'f4'])
  expect(queue.takeWithinKb((2 * BATCH_COST_MIN_BYTES) / 1024)).toEqual(['f1', 'a1'])
  queue.pushFront(['back'])
  expect(queue.first()).toBe('back')
  expect(queue.takeAll()).toEqual(['back', 'b1', 'f2', 'a2', 'f3', 'f4'])
  expect(queue.length).toBe(0)
  expect(queue.bytes).toBe(0)
})

it('counts the cost of bodies in all and per client, through taking and rebuilding', () => {
  const queue = new BatchQueue()
  const [long, short, other, back] = ['a'.repeat(300), 'é', 'b'.repeat(1000), 'zz']
  queue.push('alice', [long, short])
  queue.push('bob', [other])
  queue.pushFront([back])
  // Bytes and framing, at least the least cost of a batch.
  expect(queue.bytes).toBe(303 + BATCH_COST_MIN_BYTES + 1003 + BATCH_COST_MIN_BYTES)
  expect(queue.clientBytes('alice')).toBe(303 + BATCH_COST_MIN_BYTES)
  expect(queue.clientBytes('carol')).toBe(0)
  queue.rebuild(['new'], (body) => body !== long && body !== other)
  expect(queue.toArray()).toEqual(['new', back, short])
  expect(queue.bytes).toBe(3 * BATCH_COST_MIN_BYTES)
  expect(queue.clientBytes('alice')).toBe(BATCH_COST_MIN_BYTES)
  expect(queue.clientBytes('bob')).toBe(0)
  expect(queue.includes(short)).toBe(true)
  expect(queue.includes(other)).toBe(false)
})

it('takes nothing past a put-back body that does not fit the budget', () => {
  const queue = new BatchQueue()
  queue.push('alice', ['a'])
  queue.pushFront(['x'.repeat(2048)])
  expect(queue.takeWithinKb(2)).toEqual([])
  expect(
    queue.takeWithinKb((batchCostBytes('x'.repeat(2048)) + batchCostBytes('a')) / 1024),
  ).toEqual(['x'.repeat(2048), 'a'])
})

it('takes no more bodies, nor JSON bytes, than one request may carry', () => {
  const queue = new BatchQueue()
  // Six bytes in JSON, eight with its quotes: ["\u0001","plain"] is 18 bytes.
  queue.pushFront(['\u0001'])
  queue.push('alice', ['\u0001', 'plain'])
  const one = { maxBatches: 1, maxJsonBytes: Infinity }
  expect(queue.takeWithinKb(Infinity, one)).toEqual(['\u0001'])
  expect(queue.takeWithinKb(Infinity, { maxBatches: 10, maxJsonBytes: 17 })).toEqual(['\u0001'])
  expect(queue.takeWithinKb(Infinity, { maxBatches: 10, maxJsonBytes: 10 })).toEqual(['plain'])
  expect(queue.length).toBe(0)
  expect(queue.bytes).toBe(0)
})

it('knows which bodies it holds, each as often as it is queued, through every change', () => {
  const queue = new BatchQueue()
  queue.push('alice', ['x', 'x', 'y'])
  queue.pushFront(['z'])
  expect(['x', 'y', 'z', 'w'].map((body) => queue.includes(body))).toEqual([
    true,
    true,
    true,
    false,
  ])
  expect(queue.takeWithinKb((2 * BATCH_COST_MIN_BYTES) / 1024)).toEqual(['z', 'x'])
  expect(queue.includes('z')).toBe(false)
  expect(queue.includes('x')).toBe(true) // queued twice, taken once
  queue.rebuild(['w'], (body) => body !== 'y')
  expect(['x', 'y', 'z', 'w'].map((body) => queue.includes(body))).toEqual([
    true,
    false,
    false,
    true,
  ])
  queue.takeAll()
  expect(['x', 'w'].map((body) => queue.includes(body))).toEqual([false, false])
})
