import Database from 'better-sqlite3'
import type { StoreHooks } from './store/replicaStorage.ts'

/** The test faults a replica process can be started with (cluster and chaos suites). */
export interface StoreFaults {
  /** SIGKILL the process inside the commit of this batch index, after its writes. */
  readonly crashInCommitAt?: number | undefined
  /** Every commit after this many fails inside its transaction as on a full disk (SQLITE_FULL). */
  readonly diskFullAfterCommits?: number | undefined
}

/**
 * The store hooks that inject `faults`, or undefined when there are none. Only `main.ts`
 * installs them, from its `REPLICA_TEST_*` environment; production launchers never set those.
 */
export function createStoreFaults(faults: StoreFaults): StoreHooks | undefined {
  const { crashInCommitAt, diskFullAfterCommits } = faults
  if (crashInCommitAt === undefined && diskFullAfterCommits === undefined) return undefined
  let commitsMade = 0
  return {
    insideCommit(indexes) {
      if (indexes.includes(crashInCommitAt ?? -1)) process.kill(process.pid, 'SIGKILL')
      // Fails inside the transaction, after its writes, as SQLite does on a full disk.
      if ((diskFullAfterCommits ?? Infinity) <= commitsMade++) {
        throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL')
      }
    },
  }
}
