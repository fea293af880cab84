import { stringify } from 'lossless-json'
import type { AppLogs } from './appLogs.ts'
import type { NodeContext } from './nodeContext.ts'
import type { RoleView } from './sequencerRole.ts'

/** One app's progress in `GET /node/state`. */
interface AppProgressBody {
  readonly last_sequenced_index: number
  readonly last_locked_index: number
  readonly last_finalized_index: number
}

/**
 * The `data` of `GET /node/state` (§7.6), keys in zsequencer's order. The G2 key coordinates are
 * ~77-digit integers, served as bare JSON numbers as zsequencer does; they are bigints here so
 * no digit is lost on the way.
 */
export interface NodeStateBody {
  readonly sequencer: boolean
  readonly version: string
  readonly sequencer_id: string
  readonly node_id: string
  readonly pubkeyG2_X: readonly [bigint, bigint]
  readonly pubkeyG2_Y: readonly [bigint, bigint]
  readonly address: string
  readonly apps: Readonly<Record<string, AppProgressBody>>
}

/** What this node says about itself: role, key, address and each app's progress. */
export function nodeStateOf(context: NodeContext, role: RoleView, logs: AppLogs): NodeStateBody {
  const self = context.network.operator(context.id)!
  const apps: Record<string, AppProgressBody> = {}
  for (const [app, log] of logs.entries()) {
    apps[app] = {
      last_sequenced_index: log.lastSequenced,
      last_locked_index: log.lastLocked,
      last_finalized_index: log.lastFinalized,
    }
  }
  return {
    sequencer: role.isSequencer,
    version: context.config.version,
    sequencer_id: role.sequencerId,
    node_id: context.id,
    pubkeyG2_X: self.info.pubkeyG2_X,
    pubkeyG2_Y: self.info.pubkeyG2_Y,
    address: self.info.address,
    apps,
  }
}

/**
 * The bytes zsequencer serves for `GET /node/state`: FastAPI's JSON (no spaces, non-ASCII as
 * UTF-8) of the success envelope, with the key coordinates as bare integers.
 */
export function serializeNodeState(state: NodeStateBody): string {
  const envelope = { status: 'success', message: 'Operation successful', data: state }
  return stringify(envelope)!
}
