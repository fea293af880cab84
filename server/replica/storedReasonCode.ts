import { isStableReasonCode, type StableReasonCode } from '../../shared/intents/index.ts'
import { ReplicaStateError } from './applyLoop.ts'

/**
 * The reason code of a receipt or order that this replica wrote (a database row, or an order
 * update the exchange produced as a row), checked on its way out to the API. Rows hold text; a
 * text that is not a stable code is broken storage or a bug, never a client's fault.
 * @throws {ReplicaStateError} For a text that is not a `StableReasonCode`.
 */
export function storedReasonCode(text: string): StableReasonCode {
  if (isStableReasonCode(text)) return text
  throw new ReplicaStateError(`stored reason ${JSON.stringify(text)} is not a stable code`)
}
