import { useTheme } from '../lib/useTheme.ts'

/**
 * Switches between the light and the dark theme; the choice is remembered. A toggle button: its
 * name stays "Dark theme" and `aria-pressed` says whether it is on.
 */
export function ThemeToggle() {
  const { theme, toggle } = useTheme()
  return (
    <button
      type="button"
      className="icon-btn theme-toggle"
      aria-label="Dark theme"
      aria-pressed={theme === 'dark'}
      title={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
      onClick={toggle}
      data-testid="theme-toggle"
    >
      <span aria-hidden>{theme === 'dark' ? '☾' : '☀'}</span>
    </button>
  )
}
