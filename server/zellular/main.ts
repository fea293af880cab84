import { loadNodeConfig } from './config.ts'
import { startNode } from './service.ts'

/** One Zellular node process. Configuration: `ZSEQUENCER_*` env and `ZSEQUENCER_CONFIG_FILE`. */
const running = await startNode(loadNodeConfig(process.env))

// zsequencer persists finalized batches at shutdown; ours are persisted as they finalize, so a
// clean stop only needs to let the loops finish their current round.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stopping failed:', error)
        process.exit(1)
      },
    )
  })
}
