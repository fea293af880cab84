import { misbehave } from './adversaryActions.ts'
import { configuredOrExit } from '../configError.ts'
import { loadNodeConfig } from './config.ts'
import { Faults } from './faults.ts'
import { startNode, type Adversary } from './service.ts'

/**
 * One Zellular node process. Configuration: `ZSEQUENCER_*` env and `ZSEQUENCER_CONFIG_FILE`.
 * `ZSEQUENCER_FAULTS` (test only: Byzantine tests, `bench:byzantine`, failover tests) installs
 * the adversary of `faults.ts`; `ZSEQUENCER_TEST_DISK_FULL_FILE` (test only: `diskFull.test.ts`)
 * names a file whose presence fills the node's disk (`diskFault.ts`). This is the one place that
 * reads them, and launchers never set them.
 */
const config = configuredOrExit('zellular node', () => loadNodeConfig(process.env))
const diskFullFile = process.env.ZSEQUENCER_TEST_DISK_FULL_FILE
const running = await startNode(config, {
  ...adversaryOf(process.env.ZSEQUENCER_FAULTS),
  ...(diskFullFile ? { diskFullFile } : {}),
})

function adversaryOf(spec: string | undefined): { adversary?: Adversary } {
  if (spec === undefined || spec.trim() === '') return {}
  const faults = new Faults(spec)
  return { adversary: { name: spec, hooks: faults, act: (context) => misbehave(context, faults) } }
}

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
