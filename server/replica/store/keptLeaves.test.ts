import { expect, it } from 'vitest'
import { stateLeafFormat } from '../../../shared/stateHash/index.ts'
import { keptLeavesOfAnotherFormat } from './keptLeaves.ts'

it('leaves kept before the format was recorded are of the 18-bit tree, today’s', () => {
  expect(keptLeavesOfAnotherFormat(undefined, stateLeafFormat)).toBe(false)
  // A tree of another depth, or another leaf digest, forgets them.
  expect(keptLeavesOfAnotherFormat(undefined, 'leaf 1, 20-bit buckets')).toBe(true)
  expect(keptLeavesOfAnotherFormat(undefined, 'leaf 2, 18-bit buckets')).toBe(true)
  expect(keptLeavesOfAnotherFormat(stateLeafFormat, stateLeafFormat)).toBe(false)
  expect(keptLeavesOfAnotherFormat('leaf 1, 16-bit buckets', stateLeafFormat)).toBe(true)
})
