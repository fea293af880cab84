import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { AppLogs } from './appLogs.ts'
import { makeTestNode } from './testNodes.ts'

beforeAll(() => initZellular())

it('a node keeps its batches in the batch store it is given', () => {
  const store = AppLogs.inMemory()
  const { node } = makeTestNode({ logs: store })
  try {
    node.chain.append('a', ['b1', 'b2'], 0)
    expect(store.get('a').lastSequenced).toBe(2)
  } finally {
    node.close()
  }
})
