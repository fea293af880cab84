import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSystem } from '../../server/devnet/system.ts'
import type { SystemControl } from './control.ts'

/** The running system as the e2e setup needs it. */
export interface E2eSystem extends SystemControl {
  readonly webUrl: string
  stop(): Promise<void>
}

export interface E2eSystemOptions {
  readonly webPort: number
  readonly replicaBasePort: number
  readonly zellularBasePort: number
  readonly onLine?: (source: string, line: string) => void
}

/**
 * Starts a fresh system (the launcher's `startSystem`: 4 Zellular nodes, 3 replica processes,
 * the web server with the registry and the faucet) in a temporary folder, removed on stop.
 */
export async function startE2eSystem(options: E2eSystemOptions): Promise<E2eSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zellular-e2e-'))
  const cleanUp = () => rmSync(dataDir, { recursive: true, force: true })
  try {
    const system = await startSystem({
      dataDir,
      fresh: true,
      webPort: options.webPort,
      replicaBasePort: options.replicaBasePort,
      zellularBasePort: options.zellularBasePort,
      ...(options.onLine ? { onLine: options.onLine } : {}),
    })
    const signalReplica = (id: string, signal: NodeJS.Signals) => {
      const position = system.replicas.prepared.replicas.findIndex((replica) => replica.id === id)
      const pid = system.replicas.processes[position]?.child.pid
      if (pid === undefined) throw new Error(`no running replica ${id}`)
      process.kill(pid, signal)
    }
    return {
      webUrl: system.webUrl,
      async killReplica(id) {
        const position = system.replicas.prepared.replicas.findIndex((replica) => replica.id === id)
        if (position < 0) throw new Error(`no replica ${id}`)
        await system.replicas.kill(position)
      },
      async pauseReplica(id) {
        signalReplica(id, 'SIGSTOP')
      },
      async resumeReplica(id) {
        signalReplica(id, 'SIGCONT')
      },
      async killNode(id) {
        const position = system.zellular.layout.nodes.findIndex((node) => node.id === id)
        if (position < 0) throw new Error(`no Zellular node ${id}`)
        await system.zellular.kill(position)
      },
      async stop() {
        await system.stop()
        cleanUp()
      },
    }
  } catch (error) {
    cleanUp()
    throw error
  }
}
