import { useEffect, useState } from 'react'
import {
  formatBatchTime,
  formatFullTime,
  nextRelativeChangeMs,
  type TimeContext,
} from '../lib/formatTime.ts'

/**
 * A batch time (ms since the Unix epoch) in the user's locale and time zone, as a `<time>` with
 * the full date in its tooltip; `relative` reads "12 sec ago" while recent and re-renders only
 * when that text changes. A missing time (a batch applied before replicas kept times) shows
 * "—".
 */
export function BatchTime(props: {
  time: number | undefined
  relative?: boolean
  /** Added to the tooltip, e.g. the batch number. */
  detail?: string
}) {
  const { time, relative = false } = props
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!relative || time === undefined) return
    const wait = nextRelativeChangeMs(time, now)
    if (wait === undefined) return
    const timer = setTimeout(() => setNow(Date.now()), wait)
    return () => clearTimeout(timer)
  }, [relative, time, now])
  if (time === undefined) {
    return (
      <span className="muted" title={props.detail}>
        —
      </span>
    )
  }
  const context: TimeContext = { now: relative ? now : Date.now() }
  return (
    <time
      dateTime={new Date(time).toISOString()}
      title={[formatFullTime(time, context), props.detail].filter(Boolean).join(' · ')}
    >
      {formatBatchTime(time, context, { relative })}
    </time>
  )
}
