import { PostgresStorage } from './postgresStorage.ts'
import { openSqliteStorage } from './sqliteStorage.ts'
import type { ReplicaStorage, StoreHooks } from './replicaStorage.ts'

/** What `openReplicaStorage` needs: which database, and the settings of each kind. */
export interface OpenReplicaStorageParameters {
  /** The SQLite file, used unless `databaseUrl` is given. */
  readonly databaseFile: string
  /** `postgres://…` (or `postgresql://…`): PostgreSQL instead of SQLite. */
  readonly databaseUrl?: string | undefined
  /** FULL: every commit waits for the disk (SQLite `synchronous`, PostgreSQL `synchronous_commit`). */
  readonly durability?: 'FULL' | 'NORMAL'
  readonly historyRetainBatches?: number
  readonly hooks?: StoreHooks | undefined
}

/**
 * Opens the replica's storage, migrated to the current schema: SQLite in `databaseFile` (the
 * embedded default, which needs nothing else), or the PostgreSQL database at `databaseUrl`.
 */
export async function openReplicaStorage(
  parameters: OpenReplicaStorageParameters,
): Promise<ReplicaStorage> {
  const { databaseUrl, hooks, historyRetainBatches } = parameters
  if (databaseUrl !== undefined) {
    return PostgresStorage.open(databaseUrl, {
      synchronousCommit: parameters.durability === 'FULL',
      hooks,
      historyRetainBatches,
    })
  }
  return openSqliteStorage(parameters.databaseFile, {
    ...(parameters.durability === undefined ? {} : { synchronous: parameters.durability }),
    ...(historyRetainBatches === undefined ? {} : { historyRetainBatches }),
    ...(hooks === undefined ? {} : { hooks }),
  })
}
