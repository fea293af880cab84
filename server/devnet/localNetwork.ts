import {
  prepareZellularNetwork,
  spawnZellularNode,
  waitUntilServing,
  type LocalNetworkOptions,
  type ZellularLayout,
} from './zellularNetwork.ts'
import { startServiceGroup, type ServiceGroup } from '../serviceProcesses.ts'

/** The nodes' processes by position in `layout.nodes` (sorted by id); restarts reuse the data. */
export interface LocalNetwork extends ServiceGroup<undefined> {
  readonly layout: ZellularLayout
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
  const group = await startServiceGroup({
    count: layout.nodes.length,
    spawnAt,
    waitUntilReady: (_, running) => waitUntilServing(running.url),
  })
  return Object.assign(group, { layout })
}
