import { defineConfig } from 'drizzle-kit'

/** Migrations of the replica database: `npm run db:generate` writes them to `drizzle/`. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './server/replica/store/schema.ts',
  out: './drizzle',
})
