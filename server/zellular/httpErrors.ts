/**
 * zsequencer's error classes (`common/errors.py`): the class name is the wire `code`, with its
 * HTTP status and default message. Peers and SDKs switch on `code`, so the names are the API.
 */
import { BaseError } from '../../shared/errors/index.ts'

const ERRORS = {
  InvalidRequestError: [400, 'The request is invalid.'],
  InvalidSequencerError: [400, 'The sequencer ID is invalid.'],
  InvalidTimestampError: [400, 'Requested timestamp does not match the node timestamp.'],
  InvalidNodeVersionError: [400, 'Invalid node version. Please get the latest version of node.'],
  IsSequencerError: [
    403,
    'This node is the sequencer and this route is not available on the sequencer.',
  ],
  IsNotSequencerError: [
    403,
    'This node is not the sequencer and this route is only available on the sequencer.',
  ],
  SequencerChangeNotApprovedError: [403, 'The sequencer change request is not approved.'],
  PermissionDeniedError: [403, 'Permission denied.'],
  IsNotPostingNodeError: [403, 'This node does not have posting role.'],
  IssueNotFoundError: [404, 'The specified issue was not found.'],
  BatchesLimitExceededError: [429, 'Batches limit volume exceeded.'],
  BatchSizeExceededError: [429, 'The batch exceeds the maximum allowed size.'],
  NotSyncedError: [503, 'The node is not synced with the sequencer.'],
  IsPausedError: [503, 'This node is paused.'],
} as const

export type ErrorCode = keyof typeof ERRORS

export class ZsequencerHttpError extends BaseError {
  override name = 'ZsequencerHttpError' as const
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message?: string,
    /** Not in zsequencer: what a peer needs to act on the refusal (a time lock it lacks). */
    readonly data?: unknown,
  ) {
    super(message ?? ERRORS[code][1])
    this.status = ERRORS[code][0]
  }

  toJSON() {
    const error = { code: this.code, message: this.message }
    return this.data === undefined
      ? { status: 'error', error }
      : { status: 'error', error, data: this.data }
  }
}

/** FastAPI's request-validation failure (422), which zsequencer clients also see. */
export class ValidationHttpError extends BaseError {
  override name = 'ValidationHttpError' as const
  readonly status = 422
  constructor(
    readonly location: (string | number)[],
    message: string,
    readonly input: unknown,
  ) {
    super(message)
  }

  toJSON() {
    return {
      detail: [{ type: 'value_error', loc: this.location, msg: this.message, input: this.input }],
    }
  }
}

export function success(data: unknown, message = 'Operation successful') {
  return { status: 'success', message, data }
}
