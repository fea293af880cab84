import type { bls, Network } from '../../shared/zellular/index.ts'
import type { Clock } from './clock.ts'
import type { NodeConfig } from './config.ts'
import type { Logger } from './logger.ts'
import type { NodeHooks } from './nodeHooks.ts'
import type { PeerClient } from './peers.ts'

/**
 * What every part of a node knows and never changes while it runs: who it is, its settings, the
 * network, its key, its way to reach peers, its fault hooks and its log. Mutable state lives in
 * the actors that own it (`node.ts` lists them).
 */
export interface NodeContext {
  readonly id: string
  readonly config: NodeConfig
  readonly network: Network
  readonly secretKey: bls.SecretKey
  readonly peers: PeerClient
  /** Honest unless a test wiring installs an adversary (`nodeHooks.ts`). */
  readonly hooks: NodeHooks
  readonly log: Logger
  /** The system clock in production; a test may pass one it moves itself. */
  readonly clock: Clock
  /** Largest page of bodies served or sent: this node's share of the network bandwidth. */
  readonly pageCapBytes: number
}
