import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { BatchLog } from './batchLog.ts'
import { FinalizationTimes } from './finalizationTimes.ts'
import { ZsequencerHttpError } from './httpErrors.ts'

/**
 * The batch logs of every app this node serves, over one SQLite database (the batch store). Apps can be added while
 * running and are never removed (zsequencer's rule).
 */
export class AppLogs {
  readonly #logs = new Map<string, BatchLog>()
  readonly #db: Database.Database
  /** Each app's votes and lock on its next finalization's value, kept with the batches. */
  readonly times: FinalizationTimes

  /** Over `db`, an open SQLite database (a file in the data directory, or `:memory:`). */
  constructor(db: Database.Database) {
    this.#db = db
    BatchLog.migrate(this.#db)
    this.times = new FinalizationTimes(db)
  }

  /** The node's batch store: `batches.sqlite` in `dataDir`. */
  static open(dataDir: string): AppLogs {
    return new AppLogs(AppLogs.openDatabase(dataDir))
  }

  /** The database of `open`, for a caller that also hands it to a test fault (`diskFault.ts`). */
  static openDatabase(dataDir: string): Database.Database {
    mkdirSync(dataDir, { recursive: true })
    const db = new Database(join(dataDir, 'batches.sqlite'))
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    return db
  }

  /** A store that lives as long as the process: for tests and simulations. */
  static inMemory(): AppLogs {
    return new AppLogs(new Database(':memory:'))
  }

  /** Adds `app`; says whether it is new. */
  add(app: string): boolean {
    if (this.#logs.has(app)) return false
    this.#logs.set(app, new BatchLog(this.#db, app))
    return true
  }

  has(app: string): boolean {
    return this.#logs.has(app)
  }

  /** The log of `app`; an unknown app is the client's error (400), as in zsequencer. */
  get(app: string): BatchLog {
    const log = this.#logs.get(app)
    if (!log) throw new ZsequencerHttpError('InvalidRequestError', `Invalid app name: ${app}.`)
    return log
  }

  apps(): string[] {
    return [...this.#logs.keys()]
  }

  entries(): IterableIterator<[string, BatchLog]> {
    return this.#logs.entries()
  }

  close(): void {
    this.#db.close()
  }
}
