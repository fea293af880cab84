import { describe, expect, it } from 'vitest'
import { BaseError } from './index.ts'

class OuterError extends BaseError {
  override name = 'OuterError' as const
}
class InnerError extends BaseError {
  override name = 'InnerError' as const
}

describe('BaseError', () => {
  it('prints the short message alone unless details or meta messages are given', () => {
    const plain = new OuterError('market "X": no quote token')
    expect(plain.message).toBe('market "X": no quote token')
    expect(plain.shortMessage).toBe('market "X": no quote token')
    expect(plain.name).toBe('OuterError')
    expect(String(plain)).toBe('OuterError: market "X": no quote token')
    expect(plain).toBeInstanceOf(Error)
    expect(plain.details).toBeUndefined()

    const explained = new OuterError('bad price', {
      details: 'price 0 at tick 1',
      metaMessages: ['A price is a positive whole number of ticks.'],
    })
    expect(explained.message).toBe(
      'bad price\n\nA price is a positive whole number of ticks.\n\nDetails: price 0 at tick 1',
    )
    expect(explained.shortMessage).toBe('bad price')
    expect(explained.metaMessages).toEqual(['A price is a positive whole number of ticks.'])
  })

  it('takes its details from the cause without changing its message', () => {
    const root = new TypeError('fetch failed')
    const inner = new InnerError('node 2 did not answer', { cause: root })
    expect(inner.message).toBe('node 2 did not answer')
    expect(inner.details).toBe('fetch failed')
    expect(inner.cause).toBe(root)
    const outer = new OuterError('no node answered', { cause: inner })
    expect(outer.details).toBe('fetch failed')
    const detailed = new InnerError('x', { details: 'why', cause: root })
    expect(new OuterError('y', { cause: detailed }).details).toBe('why')
    expect(new OuterError('z', { cause: new InnerError('w') }).details).toBe('w')
  })

  it('walks the chain of causes to the first match, or to the deepest cause', () => {
    const root = new TypeError('fetch failed')
    const inner = new InnerError('node 2 did not answer', { cause: root })
    const outer = new OuterError('no node answered', { cause: inner })
    expect(outer.walk()).toBe(root)
    expect(outer.walk((error) => error instanceof InnerError)).toBe(inner)
    expect(outer.walk((error) => error instanceof OuterError)).toBe(outer)
    expect(outer.walk((error) => error instanceof RangeError)).toBeNull()
    expect(new OuterError('alone').walk()).toBeInstanceOf(OuterError)
    // A cause that is no error ends the chain too.
    expect(new OuterError('with text', { cause: 'timeout' }).walk()).toBe('timeout')
  })

  it('stops on a chain of causes that loops', () => {
    const first = new InnerError('first')
    const second = new OuterError('second', { cause: first })
    Object.defineProperty(first, 'cause', { value: second })
    expect(second.walk((error) => error instanceof RangeError)).toBeNull()
    expect(second.walk()).toBe(first)
  })
})
