/*
 * Keyboard navigation of the order book: the book is one Tab stop, and the arrow keys move
 * between its price levels (top to bottom: asks from the highest, then bids from the best).
 */

/** Rows one Page Up or Page Down moves. */
const pageRows = 5

/**
 * The row to focus after `key` in a list of `count` rows with row `index` focused: Up and Down
 * one row, Page Up and Page Down five, Home and End the first and last; undefined for any other
 * key, or an empty book. Stops at the ends rather than wrapping, as a list does.
 */
export function moveBookFocus(key: string, index: number, count: number): number | undefined {
  if (count === 0) return undefined
  const clamp = (next: number) => Math.min(count - 1, Math.max(0, next))
  switch (key) {
    case 'ArrowUp':
      return clamp(index - 1)
    case 'ArrowDown':
      return clamp(index + 1)
    case 'PageUp':
      return clamp(index - pageRows)
    case 'PageDown':
      return clamp(index + pageRows)
    case 'Home':
      return 0
    case 'End':
      return count - 1
    default:
      return undefined
  }
}
