import { ZellularClient, type Network } from '../../shared/zellular/index.ts'
import { nodeHttpTransportFrom } from '../http/httpCall.ts'
import type { ReplicaMainConfig } from './config.ts'

/**
 * The replica's Zellular client, with every `ZELLULAR_*` setting of its configuration. The client
 * clamps some of them (a long poll within half the request timeout, …): `main.ts` prints the
 * client's values, not the configuration's, so the parameters block says what runs.
 */
export function replicaZellularClient(
  settings: ReplicaMainConfig['zellular'],
  network: Network,
  log: (line: string) => void,
): ZellularClient {
  return new ZellularClient({
    app: settings.app,
    network,
    pollIntervalMs: settings.pollIntervalMs,
    maxBackoffMs: settings.maxBackoffMs,
    longPollMs: settings.longPollMs,
    longPollMaxMs: settings.longPollMaxMs,
    quickAnswerMs: settings.quickAnswerMs,
    transport: nodeHttpTransportFrom(settings.sourceAddress),
    onWarning: (error, node) => log(`zellular node ${node}: ${error.name}: ${error.message}`),
  })
}
