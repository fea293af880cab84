/** A tiny leveled logger that prefixes each line with the process's name; the launcher shows it. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

/**
 * How long a line equal to one written (same level and text) is held back, only counted: a node
 * that cannot move on (a full disk refusing the same finalization, an unreachable peer) says the
 * same thing every round, tens of times a second, into a log that may share its disk.
 */
const REPEAT_WINDOW_MS = 5_000
/** Lines remembered for that, the least recently written going first. */
const LINES_REMEMBERED = 64

export function createLogger(
  name: string,
  stream: NodeJS.WritableStream = process.stdout,
  now: () => number = Date.now,
): Logger {
  const timeOfDay = (ms: number) => new Date(ms).toISOString().slice(11, 23)
  /** level + text → when it was last written, and how often it was said since. */
  const written = new Map<string, { at: number; heldBack: number }>()
  const write = (level: string, message: string) => {
    const at = now()
    const key = `${level}${message}`
    const last = written.get(key)
    if (last !== undefined && at - last.at < REPEAT_WINDOW_MS) {
      last.heldBack += 1
      return
    }
    written.delete(key)
    written.set(key, { at, heldBack: 0 })
    if (written.size > LINES_REMEMBERED) written.delete(written.keys().next().value!)
    const since = last?.heldBack
      ? ` (and ${last.heldBack} times more since ${timeOfDay(last.at)})`
      : ''
    stream.write(`${timeOfDay(at)} ${level} [${name}] ${message}${since}\n`)
  }
  return {
    info: (message) => write('INFO ', message),
    warn: (message) => write('WARN ', message),
    error: (message) => write('ERROR', message),
  }
}
