import { describe, expect, it } from 'vitest'
import { busiestRendererMain, selfTimeByName, type TraceEvent } from './traceSummary.ts'

const meta = (pid: number, tid: number, name: string): TraceEvent => ({
  name: 'thread_name',
  ph: 'M',
  pid,
  tid,
  ts: 0,
  args: { name },
})
const task = (name: string, ts: number, dur: number, pid = 1, tid = 10): TraceEvent => ({
  name,
  ph: 'X',
  pid,
  tid,
  ts,
  dur,
})

describe('selfTimeByName', () => {
  it("takes each event's direct children out of its time, nested at any depth", () => {
    const events = [
      task('RunTask', 0, 10_000),
      task('FunctionCall', 1_000, 4_000),
      task('MinorGC', 2_000, 1_000),
      task('Paint', 6_000, 3_000),
      task('RunTask', 20_000, 2_000),
      // Another thread's work is not this one's.
      task('Paint', 0, 50_000, 1, 11),
    ]
    expect(selfTimeByName(events, { pid: 1, tid: 10 })).toEqual([
      { name: 'RunTask', selfMs: 5, count: 2 },
      { name: 'FunctionCall', selfMs: 3, count: 1 },
      { name: 'Paint', selfMs: 3, count: 1 },
      { name: 'MinorGC', selfMs: 1, count: 1 },
    ])
  })

  it('takes the longer of two events that start together as the parent', () => {
    const events = [task('Inner', 0, 1_000), task('Outer', 0, 3_000)]
    expect(selfTimeByName(events, { pid: 1, tid: 10 })).toEqual([
      { name: 'Outer', selfMs: 2, count: 1 },
      { name: 'Inner', selfMs: 1, count: 1 },
    ])
  })
})

describe('busiestRendererMain', () => {
  it('picks the renderer main thread that ran the most, not another thread', () => {
    const events = [
      meta(1, 10, 'CrRendererMain'),
      meta(2, 20, 'CrRendererMain'),
      meta(2, 21, 'Compositor'),
      task('RunTask', 0, 1_000, 1, 10),
      task('RunTask', 0, 5_000, 2, 20),
      task('RunTask', 0, 9_000, 2, 21),
    ]
    expect(busiestRendererMain(events)).toEqual({ pid: 2, tid: 20 })
    expect(busiestRendererMain([meta(1, 10, 'Compositor')])).toBeUndefined()
  })
})
