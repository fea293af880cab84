import { describe, expect, it } from 'vitest'
import {
  formatBatchTime,
  formatFullTime,
  formatTimeOfDay,
  nextRelativeChangeMs,
  type TimeContext,
} from './formatTime.ts'

// 2026-12-03 14:05:09.250 UTC.
const now = Date.UTC(2026, 11, 3, 14, 5, 9, 250)
const utc: TimeContext = { now, locale: 'en-GB', timeZone: 'UTC' }

describe('formatBatchTime', () => {
  it('shows the time of day for a time earlier today, in the reader’s time zone', () => {
    const time = Date.UTC(2026, 11, 3, 9, 7, 1)
    expect(formatBatchTime(time, utc)).toBe('09:07:01')
    // The same instant in Tokyo (UTC+9) and New York (UTC−5): still the same day there.
    expect(formatBatchTime(time, { ...utc, timeZone: 'Asia/Tokyo' })).toBe('18:07:01')
    expect(formatBatchTime(time, { ...utc, timeZone: 'America/New_York' })).toBe('04:07:01')
  })

  it('uses the reader’s locale', () => {
    const time = Date.UTC(2026, 11, 3, 13, 7, 1)
    expect(formatBatchTime(time, { ...utc, locale: 'en-US' })).toBe('01:07:01 PM')
  })

  it('adds the date when the time is from another day in the reader’s time zone', () => {
    const yesterday = Date.UTC(2026, 11, 2, 23, 30, 0)
    expect(formatBatchTime(yesterday, utc)).toBe('2 Dec, 23:30')
    // 23:30 UTC on Dec 2 is 08:30 on Dec 3 in Tokyo, where it is now 23:05: today there.
    expect(formatBatchTime(yesterday, { ...utc, timeZone: 'Asia/Tokyo' })).toBe('08:30:00')
  })

  it('reads relative while recent, when asked', () => {
    const relative = { relative: true }
    expect(formatBatchTime(now - 1200, utc, relative)).toBe('now')
    expect(formatBatchTime(now - 12_300, utc, relative)).toBe('12 sec ago')
    expect(formatBatchTime(now - 5 * 60_000 - 10, utc, relative)).toBe('5 min ago')
    expect(formatBatchTime(now - 59 * 60_000, utc, relative)).toBe('59 min ago')
    // An hour or older: absolute again.
    expect(formatBatchTime(now - 60 * 60_000, utc, relative)).toBe('13:05:09')
    // A batch a little ahead of a late clock is "now"; far ahead, absolute (never "in 3 min").
    expect(formatBatchTime(now + 2000, utc, relative)).toBe('now')
    expect(formatBatchTime(now + 3 * 60_000, utc, relative)).toBe('14:08:09')
  })

  it('full form names the date, seconds and time zone', () => {
    expect(formatFullTime(Date.UTC(2026, 0, 2, 3, 4, 5), utc)).toBe('2 Jan 2026, 03:04:05 UTC')
    expect(formatTimeOfDay(Date.UTC(2026, 0, 2, 3, 4, 5), utc)).toBe('03:04:05')
  })
})

describe('nextRelativeChangeMs', () => {
  it('ticks each second, then at each minute, then never', () => {
    expect(nextRelativeChangeMs(now - 10_000, now)).toBe(1000)
    expect(nextRelativeChangeMs(now - 90_000, now)).toBe(30_000)
    expect(nextRelativeChangeMs(now - 2 * 60 * 60_000, now)).toBeUndefined()
  })
})
