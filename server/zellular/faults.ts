import { ZsequencerHttpError } from './httpErrors.ts'
import type { CapturedRequest, NodeHooks, ProgressReport } from './nodeHooks.ts'
import { CATCH_UP_PAGE_TIMEOUT_MS } from './peerCatchUp.ts'

/**
 * The adversary: test-only Byzantine behaviour of one node, the hooks (`nodeHooks.ts`) that
 * `main.ts` installs only when the env `ZSEQUENCER_FAULTS` is set (a comma list of the names
 * below); production launchers never set it. With it the Byzantine-fault tests and
 * `bench:byzantine` run real lying processes against honest ones. What it does on its own, once
 * per node loop (`spam-disputes`, `replay`), is `adversaryActions.ts`.
 *
 * As a follower:
 * - `lie-hash`: reports bogus chaining hashes for its sequenced and locked indexes;
 * - `lie-index`: reports indexes a million past what it holds;
 * - `withhold-signatures`: refuses every sign_sync_point;
 * - `forge-signatures`: answers sign_sync_point with a signature over another message;
 * - `malformed-pages`: answers page and last-batch reads (peers' and clients') with malformed JSON;
 * - `huge-pages`: answers them with a 96 MiB body (over every reader's cap);
 * - `unproven-pages`: serves pages with no finalization proofs;
 * - `forked-pages`: serves pages whose bodies differ from the finalized ones;
 * - `spam-disputes`: every loop, asks every peer to dispute its sequencer and to switch;
 * - `replay`: re-sends its own signed requests, some at once and some after the window.
 * As the sequencer:
 * - `censor=<node id>`: drops that node's batches, and the same bodies relayed by others;
 * - `stop-finalizing`: keeps sequencing but never locks or finalizes;
 * - `withhold-finalizations`: gathers each finalization's signatures and shows it to no one;
 * - `withhold-locks`: gathers each lock's signatures and shows it to no one (so it finalizes
 *   nothing, while it asks its followers to sign all along);
 * - `finalize-twice`: has each parent finalized a second time, a second later, before it shows
 *   the first finalization to anyone (`adversaryActions.ts finalizeAgain`);
 * - `equivocate`: tells each follower a different order (a body of its own at a different place);
 * - `oversize-body`: sequences a body of its own over the batch size limit (64 KiB, which no
 *   client can put into an honest node) after the first batches a follower sends it.
 * In either role:
 * - `slow-pages`: answers each page read with its first batch alone, just before the reader's
 *   page timeout, so a node catching up from it gets one batch per timeout.
 */
export class Faults implements NodeHooks {
  readonly censored: ReadonlySet<string>
  private readonly names: ReadonlySet<string>
  private readonly banned = new Set<string>()
  private huge: string | undefined
  /** The body `oversize-body` sequenced, once made. */
  private oversize: string | undefined

  constructor(spec: string) {
    const parts = spec
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
    this.censored = new Set(
      parts.filter((part) => part.startsWith('censor=')).map((part) => part.slice(7).toLowerCase()),
    )
    this.names = new Set(parts.filter((part) => !part.startsWith('censor=')))
    for (const name of this.names) {
      if (!KNOWN.has(name)) throw new Error(`unknown fault "${name}" in "${spec}"`)
    }
  }

  get enabled(): boolean {
    return this.censored.size > 0 || this.names.size > 0
  }

  has(name: FaultName): boolean {
    return this.names.has(name)
  }

  get stopFinalizing(): boolean {
    return this.names.has('stop-finalizing')
  }

  get withholdFinalizations(): boolean {
    return this.names.has('withhold-finalizations')
  }

  get withholdLocks(): boolean {
    return this.names.has('withhold-locks')
  }

  get finalizeTwice(): boolean {
    return this.names.has('finalize-twice')
  }

  get pageDelayMs(): number {
    return this.names.has('slow-pages') ? SLOW_PAGE_DELAY_MS : 0
  }

  /** The bodies a censoring sequencer accepts from `signer`, and its own oversize body once. */
  filterFrom(signer: string, bodies: readonly string[]): readonly string[] {
    const accepted = this.censor(signer, bodies)
    if (!this.names.has('oversize-body') || this.oversize !== undefined) return accepted
    if (accepted.length === 0) return accepted
    this.oversize = 'x'.repeat(OVERSIZE_BODY_BYTES)
    return [...accepted, this.oversize]
  }

  private censor(signer: string, bodies: readonly string[]): readonly string[] {
    if (this.censored.size === 0) return bodies
    if (this.censored.has(signer)) {
      for (const body of bodies) this.banned.add(body)
      return []
    }
    return bodies.filter((body) => !this.banned.has(body))
  }

  /** The progress report a follower sends its sequencer. */
  alterReport<report extends ProgressReport>(report: report): report {
    if (this.names.has('lie-index')) {
      return {
        ...report,
        sequenced_index: report.sequenced_index + 1_000_000,
        locked_index: report.locked_index + 1_000_000,
      }
    }
    if (this.names.has('lie-hash')) {
      return {
        ...report,
        sequenced_chaining_hash: BOGUS_HASH,
        locked_chaining_hash: BOGUS_HASH,
      }
    }
    return report
  }

  /** What a follower signs for a sync point, or its refusal. */
  syncPointToSign(message: string): string {
    if (this.names.has('withhold-signatures')) {
      throw new ZsequencerHttpError('InvalidRequestError', 'withheld')
    }
    return this.names.has('forge-signatures') ? `forged ${message}` : message
  }

  /**
   * What a page or last-batch read answers: the honest JSON, or a lie. Returns the body text and
   * its status.
   */
  servePage(honest: { data: unknown }): { status: number; text: string } {
    if (this.names.has('malformed-pages')) {
      return { status: 200, text: '{"status":"success","data":{"batches":5,"index":"x"}}' }
    }
    if (this.names.has('huge-pages')) {
      this.huge ??= `{"status":"success","data":"${'x'.repeat(96 * 1024 * 1024)}"}`
      return { status: 200, text: this.huge }
    }
    const data = honest.data as { batches?: unknown; finalized_signatures?: unknown } | null
    if (data && Array.isArray(data.batches)) {
      if (this.names.has('unproven-pages')) {
        return ok({ ...honest, data: { ...data, finalized_signatures: [] } })
      }
      if (this.names.has('slow-pages')) return ok({ ...honest, data: firstBatchOf(data) })
      if (this.names.has('forked-pages')) {
        const batches = (data.batches as string[]).map((body) => `${body} (forked)`)
        return ok({ ...honest, data: { ...data, batches } })
      }
    }
    return ok(honest)
  }

  /** Signed requests other nodes sent this one, kept to replay them (`replay`), newest last. */
  readonly captured: CapturedRequest[] = []

  capture(request: CapturedRequest): void {
    if (!this.names.has('replay')) return
    this.captured.push(request)
    if (this.captured.length > 64) this.captured.shift()
  }

  /** As the sequencer: the batches one follower is told, after `sequencedIndex`. */
  equivocate(signer: string, sequencedIndex: number, batches: readonly string[]): string[] {
    if (!this.names.has('equivocate') || batches.length === 0) return [...batches]
    // Each follower gets a body of its own at the front of every page: no two agree.
    return [`equivocation for ${signer} after ${sequencedIndex}`, ...batches.slice(1)]
  }
}

/** What a follower adversary can do (see the class comment). */
export const FOLLOWER_FAULTS = [
  'lie-hash',
  'lie-index',
  'withhold-signatures',
  'forge-signatures',
  'malformed-pages',
  'huge-pages',
  'unproven-pages',
  'forked-pages',
  'spam-disputes',
  'replay',
] as const

/** What a sequencer adversary can do besides `censor=<node id>`. */
const SEQUENCER_FAULTS = [
  'stop-finalizing',
  'withhold-finalizations',
  'withhold-locks',
  'finalize-twice',
  'equivocate',
  'oversize-body',
] as const

/** What an adversary can do in either role. */
const ANY_ROLE_FAULTS = ['slow-pages'] as const

export type FaultName =
  | (typeof FOLLOWER_FAULTS)[number]
  | (typeof SEQUENCER_FAULTS)[number]
  | (typeof ANY_ROLE_FAULTS)[number]

const KNOWN: ReadonlySet<string> = new Set<FaultName>([
  ...FOLLOWER_FAULTS,
  ...SEQUENCER_FAULTS,
  ...ANY_ROLE_FAULTS,
])

/** A slow page comes just inside the reader's timeout: the reader waits it out every time. */
const SLOW_PAGE_DELAY_MS = CATCH_UP_PAGE_TIMEOUT_MS - 100

const BOGUS_HASH = 'b0'.repeat(32)

/** A page cut to its first batch, with that batch's finalization proof if it has one. */
function firstBatchOf(page: { batches?: unknown; finalized_signatures?: unknown }) {
  const first = (page as { first_chaining_hash?: unknown }).first_chaining_hash
  const proofs = Array.isArray(page.finalized_signatures) ? page.finalized_signatures : []
  return {
    ...page,
    batches: (page.batches as unknown[]).slice(0, 1),
    finalized_signatures: proofs.filter(
      (proof) => (proof as { chaining_hash?: unknown } | null)?.chaining_hash === first,
    ),
  }
}

/**
 * `oversize-body`'s body: far over the batch size limit (5 KB here), under the page cap, so that
 * an honest sequencer's page would carry it too.
 */
const OVERSIZE_BODY_BYTES = 64 * 1024

function ok(body: unknown): { status: number; text: string } {
  return { status: 200, text: JSON.stringify(body) }
}
