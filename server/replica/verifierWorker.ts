import { parentPort, workerData } from 'node:worker_threads'
import { prepareBatch } from '../../shared/exchange/index.ts'
import { createTokenRegistry, initKeccak } from '../../shared/intents/index.ts'

/*
 * A verifier thread: parses and verifies batch bodies (`prepareBatch`) for the apply loop, which
 * meanwhile applies the previous batch on the main thread. See `verifierPool.ts`.
 */

const { tokens, domain } = workerData as {
  tokens: { symbol: string; decimals: number }[]
  domain: { app: string; network: string }
}
const parameters = { tokens: createTokenRegistry(tokens), domain }
await initKeccak()
// Loading TypeScript and WebAssembly takes the thread a while; the pool waits for this.
parentPort!.postMessage({ ready: true })

parentPort!.on('message', (message: { id: number; body: string }) => {
  parentPort!.postMessage({ id: message.id, prepared: prepareBatch(message.body, parameters) })
})
