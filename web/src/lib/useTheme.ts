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
 * preference, applied to <html data-theme> when the module loads and whenever either changes, so
 * the CSS and the canvas chart follow the same value.
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
  listeners.add(listener)
  return () => listeners.delete(listener)
}

// The store lives as long as the page, so it follows the system from the moment it loads rather
// than from the first subscriber: a change between the inline script's paint and React's
// subscription (effects run after paint, later still under load) would otherwise leave <html>
// on the old theme while React renders the new one.
apply()
mediaQueryList(darkQuery).addEventListener('change', apply)

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
