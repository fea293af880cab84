import type { Trade } from '../../../shared/api/index.ts'

/** A 32-byte hex id made from a small number (order ids in fixtures). */
const fixtureHash = (n: number): string => `0x${n.toString(16).padStart(64, '0')}`

/**
 * An ETH/USDT trade for unit tests: number `seq` (also its batch index), a taker buy between two
 * fixed accounts, with order ids derived from `seq`; `patch` sets what a test is about.
 */
export function fixtureTrade(seq: number, patch: Partial<Trade> = {}): Trade {
  return {
    market: 'ETH/USDT',
    seq,
    price: '0',
    quantity: '1',
    takerSide: 'buy',
    makerOrderId: fixtureHash(seq),
    takerOrderId: fixtureHash(seq + 1000),
    maker: '0x00000000000000000000000000000000000000aa',
    taker: '0x00000000000000000000000000000000000000bb',
    index: seq,
    ...patch,
  }
}
