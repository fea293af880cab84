import { expect, it } from 'vitest'
import { BatchQueue } from './batchQueue.ts'

it('serves clients in turn, each in its own order, put-back bodies first', () => {
  const queue = new BatchQueue()
  queue.push('flood', ['f1', 'f2', 'f3', 'f4'])
  queue.push('alice', ['a1', 'a2'])
  queue.push('bob', ['b1'])
  expect(queue.toArray()).toEqual(['f1', 'a1', 'b1', 'f2', 'a2', 'f3', 'f4'])
  expect(queue.takeWithinKb(2 * (2 / 1024))).toEqual(['f1', 'a1'])
  queue.pushFront(['back'])
  expect(queue.first()).toBe('back')
  expect(queue.takeAll()).toEqual(['back', 'b1', 'f2', 'a2', 'f3', 'f4'])
  expect(queue.length).toBe(0)
  expect(queue.bytes).toBe(0)
})

it('counts bytes in all and per client, through taking and rebuilding', () => {
  const queue = new BatchQueue()
  queue.push('alice', ['aa', 'é'])
  queue.push('bob', ['bbb'])
  queue.pushFront(['zz'])
  expect(queue.bytes).toBe(9)
  expect(queue.clientBytes('alice')).toBe(4)
  expect(queue.clientBytes('carol')).toBe(0)
  queue.rebuild(['new'], (body) => body !== 'aa' && body !== 'bbb')
  expect(queue.toArray()).toEqual(['new', 'zz', 'é'])
  expect(queue.bytes).toBe(7)
  expect(queue.clientBytes('alice')).toBe(2)
  expect(queue.clientBytes('bob')).toBe(0)
  expect(queue.includes('é')).toBe(true)
  expect(queue.includes('bbb')).toBe(false)
})

it('takes nothing past a put-back body that does not fit the budget', () => {
  const queue = new BatchQueue()
  queue.push('alice', ['a'])
  queue.pushFront(['x'.repeat(2048)])
  expect(queue.takeWithinKb(1)).toEqual([])
  expect(queue.takeWithinKb(3)).toEqual(['x'.repeat(2048), 'a'])
})
