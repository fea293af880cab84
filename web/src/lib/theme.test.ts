import { describe, expect, it } from 'vitest'
import { parseThemeChoice, resolveTheme, toggledTheme } from './theme.ts'

describe('theme', () => {
  it("follows the system's preference until the user picks one", () => {
    expect(resolveTheme(parseThemeChoice(null), true)).toBe('dark')
    expect(resolveTheme(parseThemeChoice(null), false)).toBe('light')
    expect(resolveTheme(parseThemeChoice('light'), true)).toBe('light')
    expect(resolveTheme(parseThemeChoice('dark'), false)).toBe('dark')
  })

  it('reads an unknown stored value as no choice', () => {
    expect(parseThemeChoice('sepia')).toBe('system')
    expect(parseThemeChoice('')).toBe('system')
  })

  it('toggles to the theme not shown', () => {
    expect(toggledTheme('dark')).toBe('light')
    expect(toggledTheme('light')).toBe('dark')
  })
})
