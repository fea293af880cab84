/**
 * A batch's deterministic time: the later of the previous batch's time and its sync point's, so
 * it never goes back (a new sequencer's clock may be a little behind the old one's).
 */
export function nextBatchTime(previousMs: number, syncPointMs: number | undefined): number {
  if (syncPointMs === undefined) return previousMs
  if (!Number.isSafeInteger(syncPointMs) || syncPointMs < 0) {
    throw new RangeError(`sync point time ${syncPointMs}`)
  }
  return Math.max(previousMs, syncPointMs)
}
