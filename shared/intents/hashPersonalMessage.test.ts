import { bytesToHex, hashMessage } from 'viem'
import { describe, expect, it } from 'vitest'
import { hashPersonalMessage } from './hashPersonalMessage.ts'

describe('hashPersonalMessage', () => {
  const texts = ['', 'hello', 'Zellular Orderbook intent v1\nAction: Transfer', 'héllo 🌍 ∑']
  it.each([...texts, 'x'.repeat(300)])('equals viem hashMessage for %j', (text) => {
    expect(bytesToHex(hashPersonalMessage(text))).toBe(hashMessage(text))
  })
})
