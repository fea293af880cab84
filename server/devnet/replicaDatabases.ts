import pg from 'pg'

/** One PostgreSQL database per replica, and how to let go of them. */
export interface ReplicaDatabases {
  /** `postgres://…` of replica N's database at position N - 1. */
  readonly urls: readonly string[]
  /** Where they live, for the start-up lines (no password). */
  readonly location: string
  /** Stops the server if this run started it (its data goes with it). */
  stop(): void
}

/**
 * The replicas' PostgreSQL databases for `npm start -- --postgres`: on the server at `serverUrl`
 * (databases `zellular_replica_N`, created when missing, dropped and created again with
 * `fresh`, so that they never hold a state the fresh Zellular network does not have), or, with
 * no URL, on a throwaway server started for this run (`store/postgresServer.ts`, which installs
 * Debian's `postgresql` when missing); its databases start empty and the replicas apply the
 * network's history from Zellular, as a restored replica catches up.
 */
export async function prepareReplicaDatabases(options: {
  readonly count: number
  readonly serverUrl: string | undefined
  readonly fresh: boolean
}): Promise<ReplicaDatabases> {
  if (options.serverUrl === undefined) {
    const { startPostgresServer } = await import('../replica/store/postgresServer.ts')
    const server = await startPostgresServer()
    const urls: string[] = []
    for (let n = 0; n < options.count; n++) urls.push(await server.createDatabase())
    return {
      urls,
      location: `a local PostgreSQL server on 127.0.0.1:${server.port} (removed at exit)`,
      stop: () => server.stop(),
    }
  }
  const admin = new pg.Client({ connectionString: options.serverUrl })
  await admin.connect()
  try {
    const urls: string[] = []
    for (let n = 1; n <= options.count; n++) {
      const name = `zellular_replica_${n}`
      if (options.fresh) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
      if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`)
      const url = new URL(options.serverUrl)
      url.pathname = `/${name}`
      urls.push(url.toString())
    }
    const shown = new URL(options.serverUrl)
    if (shown.password !== '') shown.password = '***'
    return { urls, location: `${shown.host} (databases zellular_replica_N)`, stop: () => {} }
  } finally {
    await admin.end()
  }
}
