/**
 * The one seam through which a node can be made to misbehave: each hook sits where an honest
 * node decides what to accept, report, sign or serve. `honestHooks`, the default of every node,
 * is the identity. Production wiring never installs other hooks; only `main.ts` does, when the
 * test-only `ZSEQUENCER_FAULTS` is set, with the adversary of `faults.ts` (Byzantine tests,
 * `bench:byzantine`, failover tests).
 */
export interface NodeHooks {
  /** False for an honest node: hot paths then skip the hooks altogether. */
  readonly enabled: boolean
  /** As the sequencer: keep sequencing but never lock or finalize. */
  readonly stopFinalizing: boolean
  /** As the sequencer: gather each finalization's signatures, then apply and show none. */
  readonly withholdFinalizations: boolean
  /** As the sequencer: gather each lock's signatures, then apply and show none. */
  readonly withholdLocks: boolean
  /**
   * As the sequencer: with each finalization's signatures gathered, asks for a second one on the
   * same parent with a later timestamp before showing the first (`adversaryActions.ts`).
   */
  readonly finalizeTwice: boolean
  /** As the sequencer: the bodies accepted from `signer`'s PUT. */
  filterFrom(signer: string, bodies: readonly string[]): readonly string[]
  /** As the sequencer: the batches one follower is told, after `sequencedIndex`. */
  equivocate(signer: string, sequencedIndex: number, batches: readonly string[]): string[]
  /** As a follower: the progress report it sends its sequencer. */
  alterReport<report extends ProgressReport>(report: report): report
  /** As a follower: the message it signs for a sync point (or a throw to refuse signing). */
  syncPointToSign(message: string): string
  /** What a page or last-batch read answers: the body text and its status. */
  servePage(honest: { data: unknown }): { status: number; text: string }
  /** How long a page read (`GET /node/{app}/batches/{state}?after=N`) waits before it answers. */
  readonly pageDelayMs: number
  /** Sees each verified signed request another node sent. */
  capture(request: CapturedRequest): void
}

/** The fields of a follower's progress report a hook may change. */
export interface ProgressReport {
  readonly sequenced_index: number
  readonly sequenced_chaining_hash: string
  readonly locked_index: number
  readonly locked_chaining_hash: string
}

/** A verified signed request another node sent, as `capture` sees it. */
export interface CapturedRequest {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly at: number
  readonly replayed?: boolean
}

/** An honest node: every hook is the identity. */
export const honestHooks: NodeHooks = {
  enabled: false,
  stopFinalizing: false,
  withholdFinalizations: false,
  withholdLocks: false,
  finalizeTwice: false,
  filterFrom: (_signer, bodies) => bodies,
  equivocate: (_signer, _sequencedIndex, batches) => [...batches],
  alterReport: (report) => report,
  syncPointToSign: (message) => message,
  servePage: (honest) => ({ status: 200, text: JSON.stringify(honest) }),
  pageDelayMs: 0,
  capture: () => {},
}
