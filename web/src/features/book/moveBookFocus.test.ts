import { describe, expect, it } from 'vitest'
import { moveBookFocus } from './moveBookFocus.ts'

describe('moveBookFocus', () => {
  it('moves one row with the arrows and stops at the ends', () => {
    expect(moveBookFocus('ArrowDown', 3, 10)).toBe(4)
    expect(moveBookFocus('ArrowUp', 3, 10)).toBe(2)
    expect(moveBookFocus('ArrowUp', 0, 10)).toBe(0)
    expect(moveBookFocus('ArrowDown', 9, 10)).toBe(9)
  })

  it('pages by five and jumps to the ends', () => {
    expect(moveBookFocus('PageDown', 3, 10)).toBe(8)
    expect(moveBookFocus('PageDown', 8, 10)).toBe(9)
    expect(moveBookFocus('PageUp', 3, 10)).toBe(0)
    expect(moveBookFocus('Home', 6, 10)).toBe(0)
    expect(moveBookFocus('End', 2, 10)).toBe(9)
  })

  it('ignores other keys and an empty book', () => {
    expect(moveBookFocus('Enter', 3, 10)).toBeUndefined()
    expect(moveBookFocus('a', 3, 10)).toBeUndefined()
    expect(moveBookFocus('ArrowDown', 0, 0)).toBeUndefined()
  })
})
