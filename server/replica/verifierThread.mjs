// The entry of a verifier thread. Worker threads do not inherit tsx's loader hooks from the
// process that starts them (Node 20), so the thread registers tsx itself before it loads the
// TypeScript worker; without this the thread dies at start and the pool falls back to inline.
import { register } from 'tsx/esm/api'

register()
await import('./verifierWorker.ts')
