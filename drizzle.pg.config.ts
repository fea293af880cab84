import { defineConfig } from 'drizzle-kit'

/**
 * Migrations of the replica database on PostgreSQL: `npm run db:generate` writes them to
 * `drizzle-pg/` beside the SQLite ones (`drizzle.config.ts`, `drizzle/`).
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/replica/store/schemaPg.ts',
  out: './drizzle-pg',
})
