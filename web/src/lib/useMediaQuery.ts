import { useSyncExternalStore } from 'react'

/**
 * One `MediaQueryList` per query for the page's life: React reads the snapshot on every render,
 * and `matchMedia` parses and evaluates the query anew on each call.
 */
const lists = new Map<string, MediaQueryList>()

export function mediaQueryList(query: string): MediaQueryList {
  let list = lists.get(query)
  if (list === undefined) lists.set(query, (list = window.matchMedia(query)))
  return list
}

/** True while the CSS media query matches. */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = mediaQueryList(query)
      list.addEventListener('change', onChange)
      return () => list.removeEventListener('change', onChange)
    },
    () => mediaQueryList(query).matches,
  )
}
