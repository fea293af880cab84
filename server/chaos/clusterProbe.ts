import { loadavg } from 'node:os'
import { cpuMillisOf } from '../processCpu.ts'
import type { ChaosCluster } from './chaosCluster.ts'
import type { History, NodeView, ProbeRecord } from './history.ts'
import { sleep } from './workload.ts'

/*
 * What the processes were doing while the clients waited: once a second, every node's own view
 * (whom it follows, how far it sequenced, locked and finalized, how long it took to answer: a
 * node whose event loop is blocked answers late) and every process's CPU time since the last
 * probe, from /proc. A window without progress is then explained by the history alone: a node
 * that never caught up, a sequencer nobody followed, a process starved of CPU or spinning.
 */

/** Probes the cluster every `everyMs` until `stopAtMs` (ms since the run started). */
export async function probeCluster(
  cluster: ChaosCluster,
  history: History,
  stopAtMs: number,
  everyMs = 1_000,
): Promise<void> {
  // Keyed by pid, so a restarted process starts from its own zero.
  const lastCpu = new Map<number, number>()
  const cpuSince = (pid: number | undefined): number | null => {
    const now = cpuMillisOf(pid)
    if (pid === undefined || now === undefined) return null
    const before = lastCpu.get(pid) ?? 0
    lastCpu.set(pid, now)
    return Math.round(now - before)
  }
  while (history.now() < stopAtMs) {
    const nodes = await Promise.all(cluster.nodes.urls().map((url) => viewOf(url)))
    const record: ProbeRecord = {
      kind: 'probe',
      atMs: history.now(),
      load: Math.round(loadavg()[0]! * 100) / 100,
      nodes,
      nodeCpuMs: cluster.nodes.processes.map((running) => cpuSince(running.child.pid)),
      replicaCpuMs: cluster.replicas.processes.map((running) => cpuSince(running.child.pid)),
      harnessCpuMs: cpuSince(process.pid),
    }
    history.add(record)
    await sleep(everyMs)
  }
}

/** One node's `GET /node/state` on its own port, or why there is none. */
async function viewOf(url: string): Promise<NodeView> {
  const startedAt = performance.now()
  try {
    const response = await fetch(`${url}/node/state`, { signal: AbortSignal.timeout(900) })
    const body = (await response.json()) as {
      data?: {
        sequencer_id?: string
        apps?: Record<string, Record<string, number>>
      }
    }
    const progress = Object.values(body.data?.apps ?? {})[0] ?? {}
    return {
      answerMs: Math.round(performance.now() - startedAt),
      sequencer: body.data?.sequencer_id?.slice(0, 10) ?? '?',
      sequenced: progress.last_sequenced_index ?? -1,
      locked: progress.last_locked_index ?? -1,
      finalized: progress.last_finalized_index ?? -1,
    }
  } catch (error) {
    return { answerMs: Math.round(performance.now() - startedAt), error: (error as Error).name }
  }
}
