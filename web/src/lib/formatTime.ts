/*
 * Times the app shows come from batches (`batchTimeSchema`: ms since the Unix epoch, equal on
 * every replica, quorum-signed by Zellular), never from the browser's clock; the clock is only
 * the "now" that a relative time is measured from. Shown in the user's locale and time zone.
 */

/** Where and when a time is shown: the locale and time zone to use, and the reader's now. */
export interface TimeContext {
  /** Milliseconds since the Unix epoch, the reader's clock. */
  readonly now: number
  /** BCP 47 locale; undefined: the browser's. */
  readonly locale?: string | undefined
  /** IANA time zone; undefined: the browser's. */
  readonly timeZone?: string | undefined
}

/** Up to this age a time reads relative ("12 s ago"). */
const relativeTimeMaxMs = 60 * 60_000

/** A clock ahead of the batch by less than this still reads "just now" (clocks drift). */
const justNowMs = 5_000

const cache = new Map<string, Intl.DateTimeFormat | Intl.RelativeTimeFormat>()

function dateFormat(
  context: TimeContext,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = `d|${context.locale ?? ''}|${context.timeZone ?? ''}|${JSON.stringify(options)}`
  let format = cache.get(key) as Intl.DateTimeFormat | undefined
  if (format === undefined) {
    format = new Intl.DateTimeFormat(context.locale, { ...options, timeZone: context.timeZone })
    cache.set(key, format)
  }
  return format
}

function relativeFormat(context: TimeContext): Intl.RelativeTimeFormat {
  const key = `r|${context.locale ?? ''}`
  let format = cache.get(key) as Intl.RelativeTimeFormat | undefined
  if (format === undefined) {
    format = new Intl.RelativeTimeFormat(context.locale, { numeric: 'auto', style: 'narrow' })
    cache.set(key, format)
  }
  return format
}

/** The calendar day of `time` in the context's time zone, as `YYYY-MM-DD`-like text. */
function dayOf(time: number, context: TimeContext): string {
  return dateFormat(context, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(time)
}

/** `time` as wall-clock time of day, with seconds: "14:03:07" or "2:03:07 PM". */
export function formatTimeOfDay(time: number, context: TimeContext): string {
  return dateFormat(context, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(time)
}

/** `time` in full, for a tooltip: date, time with seconds and the time zone's name. */
export function formatFullTime(time: number, context: TimeContext): string {
  return dateFormat(context, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  }).format(time)
}

/**
 * A batch time for a table cell: the time of day when it is today (in the reader's time zone),
 * else the date and time; with `relative`, "just now", "12 s ago" or "5 min ago" up to an hour
 * old. A time ahead of the reader's clock (its clock is late) reads "just now" within a few
 * seconds, else absolute, never "in 3 min".
 */
export function formatBatchTime(
  time: number,
  context: TimeContext,
  options: { relative?: boolean } = {},
): string {
  const age = context.now - time
  if (options.relative && age > -justNowMs && age < relativeTimeMaxMs) {
    if (age < justNowMs) return relativeFormat(context).format(0, 'second')
    if (age < 60_000) return relativeFormat(context).format(-Math.floor(age / 1000), 'second')
    return relativeFormat(context).format(-Math.floor(age / 60_000), 'minute')
  }
  if (dayOf(time, context) === dayOf(context.now, context)) return formatTimeOfDay(time, context)
  return dateFormat(context, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(time)
}

/**
 * How long until `formatBatchTime(time, …, { relative: true })` reads differently: 1 s while
 * in seconds, up to a minute while in minutes, and never (undefined) once absolute.
 */
export function nextRelativeChangeMs(time: number, now: number): number | undefined {
  const age = now - time
  if (age >= relativeTimeMaxMs || age <= -justNowMs) return undefined
  if (age < 60_000) return 1000
  return 60_000 - (age % 60_000)
}
