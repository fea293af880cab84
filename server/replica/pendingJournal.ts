import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'

/** What the journal keeps of an acknowledged intent: enough to send it again. */
export interface JournaledIntent {
  readonly intentId: string
  /** Its batch item (`toBatchItem`), as it goes into a batch. */
  readonly item: string
}

/**
 * The replica's promise to a client that got `202` survives the replica: each intent is written
 * here (and flushed to disk) before its acknowledgement, and a replica that restarts sends again
 * the journaled intents it has not applied. Without it, a node that lost an accepted batch (killed
 * with it queued) and a replica restarted before its redelivery together lose an acknowledged
 * intent, which the chaos suite found. Not consensus state: one JSON line per intent, appended;
 * rewritten with only the live entries once it holds many more lines than those.
 *
 * Writes are grouped: every `record` waiting while a flush runs goes into the next one, so a
 * burst of submissions costs one `fdatasync`, not one each.
 */
export class PendingJournal {
  private handle: FileHandle | undefined
  private queued: { line: string; done: () => void; failed: (error: unknown) => void }[] = []
  private compaction:
    | { live: readonly JournaledIntent[]; done: () => void; failed: (error: unknown) => void }
    | undefined
  private flushing: Promise<void> | undefined
  private linesWritten: number

  private constructor(
    private readonly file: string,
    linesWritten: number,
  ) {
    this.linesWritten = linesWritten
  }

  /**
   * Opens the journal at `file` (created when missing) and returns what it holds: the intents
   * acknowledged before the last stop, applied or not (the caller drops the applied ones). A
   * line cut short by a crash mid-write is skipped: its intent was never acknowledged.
   */
  static open(file: string): { journal: PendingJournal; recovered: JournaledIntent[] } {
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    const recovered = new Map<string, JournaledIntent>()
    for (const line of text.split('\n')) {
      const entry = parseLine(line)
      if (entry !== undefined) recovered.set(entry.intentId, entry)
    }
    return {
      journal: new PendingJournal(file, recovered.size),
      recovered: [...recovered.values()],
    }
  }

  /** Resolves once `intent` is on disk; rejects (disk full, I/O error) if it could not be. */
  record(intent: JournaledIntent): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.queued.push({ line: lineOf(intent), done, failed })
      this.flushing ??= this.flushQueued()
    })
  }

  /**
   * True once the journal holds more than twice as many lines as there are live entries (and
   * more than `slack`): time to `compact`, so the file stays proportional to what is pending.
   */
  needsCompaction(liveCount: number, slack = 1_000): boolean {
    return this.linesWritten > Math.max(slack, 2 * liveCount)
  }

  /**
   * Rewrites the journal with `live` alone. Runs in the write sequence, between two appends: to
   * a temporary file, flushed, renamed over the journal. `live` must include every intent still
   * wanted whose `record` has resolved.
   */
  compact(live: readonly JournaledIntent[]): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.compaction = { live, done, failed }
      this.flushing ??= this.flushQueued()
    })
  }

  async close(): Promise<void> {
    await this.flushing
    await this.handle?.close()
    this.handle = undefined
  }

  /** The one writer: appends and compactions, in order, until nothing is waiting. */
  private async flushQueued(): Promise<void> {
    while (this.queued.length > 0 || this.compaction !== undefined) {
      const compaction = this.compaction
      if (compaction !== undefined) {
        this.compaction = undefined
        try {
          await this.handle?.close()
          this.handle = undefined
          rewrite(this.file, compaction.live)
          this.linesWritten = compaction.live.length
          compaction.done()
        } catch (error) {
          compaction.failed(error)
        }
        continue
      }
      const batch = this.queued
      this.queued = []
      try {
        this.handle ??= await open(this.file, 'a')
        await this.handle.appendFile(batch.map((entry) => entry.line).join(''))
        await this.handle.datasync()
        this.linesWritten += batch.length
        for (const entry of batch) entry.done()
      } catch (error) {
        // Opened again by the next record: the disk may have room by then.
        await this.handle?.close().catch(() => undefined)
        this.handle = undefined
        for (const entry of batch) entry.failed(error)
      }
    }
    this.flushing = undefined
  }
}

function lineOf(intent: JournaledIntent): string {
  // The key stays `wire`, the journal format's name for it, whatever form the item has.
  return JSON.stringify({ id: intent.intentId, wire: intent.item }) + '\n'
}

/** Replaces `file` with `entries`, durably: temporary file, flush, rename, flush the directory. */
function rewrite(file: string, entries: readonly JournaledIntent[]): void {
  const staging = `${file}.tmp`
  const fd = openSync(staging, 'w')
  try {
    writeSync(fd, entries.map(lineOf).join(''))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(staging, file)
  const directory = openSync(dirname(file), 'r')
  try {
    fsyncSync(directory)
  } finally {
    closeSync(directory)
  }
}

function parseLine(line: string): JournaledIntent | undefined {
  if (line === '') return undefined
  try {
    const entry = JSON.parse(line) as { id?: unknown; wire?: unknown }
    if (typeof entry.id !== 'string' || typeof entry.wire !== 'string') return undefined
    return { intentId: entry.id, item: entry.wire }
  } catch {
    return undefined
  }
}
