import {
  prepareZellularNetwork,
  spawnZellularNode,
  waitUntilServing,
  type LocalNetworkOptions,
  type NodeProcess,
  type ZellularLayout,
} from './zellularNetwork.ts'

export interface LocalNetwork {
  readonly layout: ZellularLayout
  /** The process of each node, by position in `layout.nodes` (sorted by id). */
  readonly processes: NodeProcess[]
  urls(): string[]
  /** Sends `signal` to one node and waits for it to exit. */
  kill(position: number, signal?: NodeJS.Signals): Promise<void>
  /** Starts a stopped node again on the same data. */
  restart(position: number): Promise<void>
  stop(): Promise<void>
}

/** Starts every node of a local network as its own process and waits until all serve. */
export async function startLocalNetwork(
  options: LocalNetworkOptions & {
    environment?: Record<string, string>
    /** Per-position extra environment, e.g. test faults for one node. */
    environmentOf?: (position: number, layout: ZellularLayout) => Record<string, string>
    onLine?: (position: number, line: string) => void
    /** Extra `node` flags for every node process. */
    nodeOptions?: readonly string[]
  },
): Promise<LocalNetwork> {
  const layout = await prepareZellularNetwork(options)
  const spawnAt = (position: number) =>
    spawnZellularNode(layout, position, {
      host: options.host,
      environment: { ...options.environment, ...options.environmentOf?.(position, layout) },
      onLine: (line) => options.onLine?.(position, line),
      ...(options.nodeOptions === undefined ? {} : { nodeOptions: options.nodeOptions }),
    })
  const processes = layout.nodes.map((_, position) => spawnAt(position))
  const stopOne = async (position: number, signal: NodeJS.Signals) => {
    const running = processes[position]!
    if (running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill(signal)
      await running.exited
    }
  }
  try {
    await Promise.all(processes.map((running) => waitUntilServing(running.url)))
  } catch (error) {
    await Promise.all(processes.map((_, position) => stopOne(position, 'SIGKILL')))
    throw error
  }
  return {
    layout,
    processes,
    urls: () => processes.map((running) => running.url),
    kill: (position, signal = 'SIGKILL') => stopOne(position, signal),
    async restart(position) {
      await stopOne(position, 'SIGKILL')
      processes[position] = spawnAt(position)
      await waitUntilServing(processes[position]!.url)
    },
    async stop() {
      await Promise.all(processes.map((_, position) => stopOne(position, 'SIGTERM')))
    },
  }
}
