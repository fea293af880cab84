/**
 * `npm run chaos`: a Jepsen bank-test-style run over the real processes (4 Zellular nodes, 3
 * replicas) with a seeded nemesis: kill -9, SIGSTOP, partitions (cut, drop, delay; one-way or
 * both), a full disk and a lying replica; on request a wiped or a corrupted replica. Prints a
 * SUMMARY and exits 1 on any anomaly, naming the seed and the history file that replay it; exits
 * 2 with one line when the run cannot start (a port taken: `chaosPorts.ts`).
 *
 *   npm run chaos                               # 60 s, a new seed
 *   npm run chaos -- --seconds 600 --seed 42    # a long run, replayable
 *   npm run chaos -- --seconds 30 --no-nemesis  # the workload and checker alone
 *   npm run chaos -- --node-faults kill,pause --replica-faults lie --rate 40
 */
import { parseArgs } from 'node:util'
import { BaseError } from '../../shared/errors/index.ts'
import {
  chosenFaultKinds,
  NODE_FAULT_KINDS,
  OPTIONAL_NODE_FAULT_KINDS,
  OPTIONAL_REPLICA_FAULT_KINDS,
  REPLICA_FAULT_KINDS,
  type NodeFaultKind,
  type ReplicaFaultKind,
} from './nemesis.ts'
import { DEFAULT_BASE_PORT } from './chaosPorts.ts'
import { groupAnomalies } from './checker.ts'
import { handleHarnessSignals } from './harnessSignals.ts'
import { runChaos } from './runChaos.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    rate: { type: 'string', default: '20' },
    accounts: { type: 'string', default: '16' },
    dir: { type: 'string' },
    'base-port': { type: 'string', default: String(DEFAULT_BASE_PORT) },
    'no-nemesis': { type: 'boolean', default: false },
    'node-faults': { type: 'string' },
    'replica-faults': { type: 'string' },
  },
})

const list = <kind extends string>(
  text: string | undefined,
  byDefault: readonly kind[],
  allowed: readonly kind[] = byDefault,
): kind[] => (values['no-nemesis'] ? [] : chosenFaultKinds(text, byDefault, allowed))

// From the start: the processes run in sessions of their own, so only this process hears the
// terminal's Ctrl-C, and it must end them.
handleHarnessSignals((line) => console.error(line))
const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed)
const result = await runChaos({
  seed,
  seconds: Number(values.seconds),
  rate: Number(values.rate),
  accounts: Number(values.accounts),
  basePort: Number(values['base-port']),
  // The launching shell's SIGHUP as it ends (nohup or not) must not reach them.
  ownSession: true,
  // A node's `disk-full` only when asked for (`OPTIONAL_NODE_FAULT_KINDS`).
  nodeFaults: list<NodeFaultKind>(values['node-faults'], NODE_FAULT_KINDS, [
    ...NODE_FAULT_KINDS,
    ...OPTIONAL_NODE_FAULT_KINDS,
  ]),
  // `wipe` and `corrupt` only when asked for (`OPTIONAL_REPLICA_FAULT_KINDS`).
  replicaFaults: list<ReplicaFaultKind>(values['replica-faults'], REPLICA_FAULT_KINDS, [
    ...REPLICA_FAULT_KINDS,
    ...OPTIONAL_REPLICA_FAULT_KINDS,
  ]),
  ...(values.dir === undefined ? {} : { dir: values.dir }),
  log: (line) => console.log(line),
}).catch((error: unknown): never => {
  // The run did not happen (a port taken, a used directory, a process that would not start):
  // one line, exit 2; every process it started is stopped by then. A bug gets its stack too.
  if (error instanceof BaseError) console.error(`chaos: ${error.shortMessage}`)
  else console.error(`chaos: ${error instanceof Error ? error.stack : String(error)}`)
  process.exit(2)
})

console.log('SUMMARY')
for (const [key, value] of Object.entries(result.summary)) console.log(`  ${key}: ${value}`)
for (const detection of result.detections.slice(0, 5)) {
  console.log(`  detected ${detection.kind} by ${detection.replicaId}: ${detection.detail}`)
}
if (result.anomalies.length > 0) {
  console.log(`ANOMALIES (${result.anomalies.length}; all of them in the history's last line):`)
  for (const line of groupAnomalies(result.anomalies)) console.log(`  ${line}`)
}
console.log(`seed ${result.seed}; history ${result.historyFile}; logs ${result.dir}/logs`)
process.exit(result.anomalies.length === 0 ? 0 : 1)
