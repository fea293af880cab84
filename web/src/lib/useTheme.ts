import { useSyncExternalStore } from 'react'
import {
  parseThemeChoice,
  resolveTheme,
  themeStorageKey,
  toggledTheme,
  type Theme,
  type ThemeChoice,
} from './theme.ts'
import { mediaQueryList } from './useMediaQuery.ts'

/*
 * The theme as one shared store: the user's choice (read once from localStorage) plus the system
 * preference, applied to <html data-theme> whenever either changes, so the CSS and the canvas
 * chart follow the same value.
 */

const darkQuery = '(prefers-color-scheme: dark)'
const listeners = new Set<() => void>()
let choice: ThemeChoice = readStoredChoice()

function readStoredChoice(): ThemeChoice {
  try {
    return parseThemeChoice(window.localStorage.getItem(themeStorageKey))
  } catch {
    // Storage can be off (privacy settings): the system's theme then.
    return 'system'
  }
}

function currentTheme(): Theme {
  return resolveTheme(choice, mediaQueryList(darkQuery).matches)
}

function apply(): void {
  const theme = currentTheme()
  document.documentElement.dataset.theme = theme
  document.documentElement.style.colorScheme = theme
  for (const listener of listeners) listener()
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) mediaQueryList(darkQuery).addEventListener('change', apply)
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0) mediaQueryList(darkQuery).removeEventListener('change', apply)
  }
}

/** The theme shown, and a toggle that switches to the other one and remembers it. */
export function useTheme(): { theme: Theme; toggle: () => void } {
  const theme = useSyncExternalStore(subscribe, currentTheme)
  return {
    theme,
    toggle() {
      choice = toggledTheme(currentTheme())
      try {
        window.localStorage.setItem(themeStorageKey, choice)
      } catch {
        // Not remembered, but switched for this page all the same.
      }
      apply()
    },
  }
}
