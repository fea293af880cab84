/*
 * Light and dark theme: the system's preference (`prefers-color-scheme`) unless the user picked
 * one, which is remembered in localStorage. The page sets `data-theme` on <html> before the app
 * loads (inline script in `web/index.html`, same key and rule), so the first paint already has
 * the right colours; `useTheme` keeps it in step afterwards.
 */

export type Theme = 'light' | 'dark'

/** What the user chose: a theme, or the system's. */
export type ThemeChoice = Theme | 'system'

/** localStorage key of the choice (also read by the inline script in `web/index.html`). */
export const themeStorageKey = 'zellular-theme'

/** A stored choice; anything unknown (or nothing) means the system's. */
export function parseThemeChoice(stored: string | null | undefined): ThemeChoice {
  return stored === 'light' || stored === 'dark' ? stored : 'system'
}

/** The theme to show for a choice, given whether the system prefers dark. */
export function resolveTheme(choice: ThemeChoice, systemPrefersDark: boolean): Theme {
  if (choice !== 'system') return choice
  return systemPrefersDark ? 'dark' : 'light'
}

/** The toggle's choice: the other theme than the one shown, remembered from then on. */
export function toggledTheme(shown: Theme): Theme {
  return shown === 'dark' ? 'light' : 'dark'
}
