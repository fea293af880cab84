import { useEffect, useRef, type RefObject } from 'react'

const focusable =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/** The index Tab (or Shift+Tab) moves to among `count` items, wrapping around; -1 is none. */
function nextFocusIndex(current: number, count: number, backwards: boolean): number {
  if (current < 0) return backwards ? count - 1 : 0
  return (current + (backwards ? count - 1 : 1)) % count
}

/**
 * Focus of a modal dialog, as the WAI-ARIA dialog pattern asks: the dialog takes focus once,
 * when it opens (never again on later renders, which would pull focus away from where the user
 * moved it), Tab and Shift+Tab cycle through its controls without leaving it, Escape calls
 * `onClose`, and on close focus goes back to the element that had it before (the opener).
 */
export function useDialogFocus(dialog: RefObject<HTMLElement | null>, onClose: () => void): void {
  const close = useRef(onClose)
  useEffect(() => {
    close.current = onClose
  }, [onClose])
  useEffect(() => {
    const element = dialog.current
    if (element === null) return
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    element.focus()
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault()
        close.current()
        return
      }
      if (event.key !== 'Tab') return
      const items = [...element.querySelectorAll<HTMLElement>(focusable)]
      event.preventDefault()
      if (items.length === 0) return element.focus()
      const current = items.indexOf(document.activeElement as HTMLElement)
      items[nextFocusIndex(current, items.length, event.shiftKey)]!.focus()
    }
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('keydown', onKey)
      if (opener?.isConnected) opener.focus()
    }
  }, [dialog])
}
