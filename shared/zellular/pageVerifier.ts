import { ProofError, UnprovenPagesError } from './errors.ts'
import { chainHash } from './hash.ts'
import type { Network } from './network.ts'
import {
  legacyRecordCheck,
  legacySignatureRecordSchema,
  parseSignatureRecord,
  signatureRecordCheck,
  type LegacySignatureRecord,
  type ProofCheck,
  type SignatureRecord,
} from './proof.ts'

/** A body chained onto the sequence, not yet covered by a proof. */
interface ChainedBatch {
  /** The batch exactly as it was posted (an opaque string to Zellular). */
  readonly body: string
  /** 1-based, contiguous position of the batch in the app's sequence. */
  readonly index: number
  /** `h_index = xxh128(h_(index−1) + xxh128(body))`, with `h_0 = ""`. */
  readonly chainingHash: string
}

/** One batch of an app's sequence whose chaining hash is covered by a verified finalization. */
export interface VerifiedBatch extends ChainedBatch {
  /**
   * Unix seconds of the finalization sync point that released this batch (the first one at or
   * after its index): the sequencer's clock, signed by the quorum with the proof, which honest
   * nodes sign only within 10 s of their own clocks. Undefined under a legacy (v0.1.5) proof,
   * which signs no time.
   */
  readonly timestamp: number | undefined
  /**
   * That finalization's index and its `parent_index` (the finalization before it), so a reader
   * that stops after this batch knows the last finalization at or before it (`index` if the
   * batch is the sync point itself, else `parentIndex`) and can resume with it as
   * `finalizedIndex`. Undefined under a legacy proof.
   */
  readonly finalization: { readonly index: number; readonly parentIndex: number } | undefined
}

export interface PageVerifierParameters {
  readonly network: Network
  readonly app: string
  /** Index of the last batch the caller already has; the first release is `after + 1`. */
  readonly after?: number
  /**
   * Chaining hash at `after` ("" for 0). When unknown for `after > 0`, the verifier asks for the
   * page after `after − 1` and takes its `first_chaining_hash` (the spec'd resume trick); that
   * hash is trusted only once a later finalization proof covers the chain built on it.
   */
  readonly chainingHash?: string
  /**
   * Index of the last finalization sync point at or before `after`, if known, so that the first
   * proof's `parent_index` can be checked too; unknown, that parent must be at or before `after`.
   * Implied 0 when `after` is 0.
   */
  readonly finalizedIndex?: number
  /**
   * Most bodies held while waiting for a proof, counted after a page's proofs released what they
   * cover. A node could otherwise stream unproven bodies forever; a page that would leave more
   * throws `UnprovenPagesError('batches')` and changes nothing. Default: no limit (the client
   * sets one), because one honest sync point may cover a very large bulk submission.
   */
  readonly maxBufferedBatches?: number
  /**
   * Most body text held while waiting for a proof, in UTF-16 code units (bytes for ASCII
   * bodies; what a JS string of it holds in memory, give or take 2×). Exceeding it throws
   * `UnprovenPagesError('bytes')`. Default: no limit.
   */
  readonly maxBufferedBytes?: number
}

/** The verified position: everything up to `index` has been released. */
export interface PageVerifierCheckpoint {
  readonly index: number
  /** Chaining hash at `index`; undefined only before the first proof of a resume without it. */
  readonly chainingHash: string | undefined
  /** Last finalization sync point known to be at or before `index`, if any is known. */
  readonly finalizedIndex: number | undefined
}

type ParsedPage = {
  readonly batches: readonly string[]
  readonly firstChainingHash: unknown
} & (
  | { readonly format: 'v0.1.7'; readonly proofs: readonly unknown[] }
  | { readonly format: 'legacy'; readonly proof: unknown }
)

/**
 * Checks pages of `GET /node/{app}/batches/finalized?after=N` and releases batches only once a
 * finalization proof covers them: each body extends the chaining hash, and a proof at index i
 * must sign exactly the locally computed hash at i, with enough stake, and (v0.1.7) link to the
 * previous finalization through `parent_index`. Bodies after a page's last proof stay buffered
 * until a later page's proof covers them.
 *
 * Both wire formats are read, detected from the page's keys: v0.1.7 `finalized_signatures: [...]`
 * and legacy v0.1.5 `finalized: {...} | null`. The verifier does no I/O: the caller fetches the
 * page for `nextAfter` and hands it to `consume`. A page that fails leaves the state untouched.
 *
 * @example
 * const verifier = new PageVerifier({ network, app: 'simple_app' })
 * const after = verifier.nextAfter
 * const page = await getFinalizedPage(after) // the envelope's `data`
 * for (const batch of verifier.consume(page, after)) apply(batch.body)
 */
export class PageVerifier {
  readonly network: Network
  readonly app: string
  readonly #maxBufferedBatches: number
  readonly #maxBufferedBytes: number
  #released: PageVerifierCheckpoint
  /** Bodies past `#released.index`, chained but not yet covered by a proof. */
  #buffer: ChainedBatch[] = []
  /** Total length of the buffered bodies. */
  #bufferedBytes = 0
  /** Resume trick: the node-supplied, still unproven hash at `#released.index`. */
  #anchor: string | undefined

  constructor(parameters: PageVerifierParameters) {
    const { network, app, after = 0, chainingHash, finalizedIndex } = parameters
    if (!Number.isSafeInteger(after) || after < 0) throw new RangeError(`bad index ${after}`)
    if (after === 0 && chainingHash !== undefined && chainingHash !== '') {
      throw new RangeError('the chaining hash before the first batch is ""')
    }
    if (finalizedIndex !== undefined && !(finalizedIndex >= 0 && finalizedIndex <= after)) {
      throw new RangeError(`finalized index ${finalizedIndex} is not at or before ${after}`)
    }
    this.network = network
    this.app = app
    this.#maxBufferedBatches = parameters.maxBufferedBatches ?? Number.POSITIVE_INFINITY
    this.#maxBufferedBytes = parameters.maxBufferedBytes ?? Number.POSITIVE_INFINITY
    this.#released = {
      index: after,
      chainingHash: after === 0 ? '' : chainingHash,
      finalizedIndex: after === 0 ? 0 : finalizedIndex,
    }
  }

  /** The `after` to request next: past the buffer, or one before the resume point. */
  get nextAfter(): number {
    const released = this.#released
    if (released.chainingHash === undefined && this.#anchor === undefined) return released.index - 1
    return released.index + this.#buffer.length
  }

  get checkpoint(): PageVerifierCheckpoint {
    return this.#released
  }

  /** How many bodies wait for a proof. */
  get bufferedCount(): number {
    return this.#buffer.length
  }

  /** Total length (UTF-16 code units) of the bodies that wait for a proof. */
  get bufferedBytes(): number {
    return this.#bufferedBytes
  }

  /**
   * Drops everything not yet covered by a proof. Call it before asking another node after this
   * one failed: a buffered tail from a lying node would otherwise make honest pages look wrong.
   */
  discardUnverified(): void {
    this.#buffer = []
    this.#bufferedBytes = 0
    this.#anchor = undefined
  }

  /**
   * Consumes the `data` of one page requested with `after` (which must be `nextAfter`) and returns
   * the batches it proved, in order; `null` (nothing finalized past `after`) returns none.
   * @throws ProofError when the page is malformed, breaks the chain or carries a bad proof.
   * @throws UnprovenPagesError when the unproven tail it would leave exceeds the limits.
   */
  consume(data: unknown, after: number): VerifiedBatch[] {
    if (after !== this.nextAfter) {
      throw new RangeError(`page fetched after ${after}; the verifier expects ${this.nextAfter}`)
    }
    if (data === null) return []
    const page = parsePage(data)
    // Build on copies and commit at the end, so a failing page leaves no trace.
    const extended = this.#extend(page)
    if (extended === undefined) return []
    const { buffer } = extended
    let { anchor, bytes } = extended
    let released = this.#released
    let start = 0 // buffer[start] holds index released.index + 1
    const out: VerifiedBatch[] = []
    // The proofs' signatures are verified together once the page is walked (one aggregate check
    // for all of them), before anything is committed.
    const checks: ProofCheck[] = []
    const proofs = page.format === 'v0.1.7' ? page.proofs : page.proof === null ? [] : [page.proof]
    for (const wire of proofs) {
      const proof = parseProof(page.format, wire)
      if (proof === undefined) continue
      // Position 0 is the resume anchor; 1.. are buffered bodies. Anything else was not in
      // this page, so an honest node would not have sent it.
      const { index } = proof.record
      const position = index - released.index
      const hash =
        position === 0
          ? anchor
          : position > 0
            ? buffer[start + position - 1]?.chainingHash
            : undefined
      if (hash === undefined) {
        const last = released.index + buffer.length - start
        throw new ProofError(
          'malformed',
          `proof for index ${index} outside the buffered ${released.index + 1}..${last}`,
        )
      }
      if (proof.format === 'v0.1.7') {
        // A proof at the known finalization itself (the resume anchor) has its own parent.
        // Without a known one (a resume from a state snapshot), the first proof must still
        // release everything past `after`: a parent past it names a finalization this reader
        // was not shown, and its batches would be stamped with the wrong sync point's time.
        const known = released.finalizedIndex ?? released.index
        const parent = released.finalizedIndex === index ? undefined : known
        checks.push(checkFinalization(this.app, proof.record, hash, parent))
      } else {
        checks.push(checkLegacyFinalization(this.app, proof.record, hash))
      }
      const { timestamp, finalization } =
        proof.format === 'v0.1.7'
          ? {
              timestamp: proof.record.timestamp,
              finalization: { index, parentIndex: proof.record.parent_index },
            }
          : { timestamp: undefined, finalization: undefined }
      for (const end = start + position; start < end; start++) {
        out.push({ ...buffer[start]!, timestamp, finalization })
        bytes -= buffer[start]!.body.length
      }
      released = { index, chainingHash: hash, finalizedIndex: index }
      anchor = undefined
    }
    this.network.verifyAggregates(checks)
    this.#checkLimits(buffer.length - start, bytes, released.index)
    this.#buffer = start === 0 ? buffer : buffer.slice(start)
    this.#bufferedBytes = bytes
    this.#released = released
    this.#anchor = anchor
    return out
  }

  /** Throws if `count` bodies of total length `bytes` past `released` are too many to hold. */
  #checkLimits(count: number, bytes: number, released: number): void {
    const range = `${released + 1}..${released + count}`
    if (count > this.#maxBufferedBatches) {
      const limit = this.#maxBufferedBatches
      throw new UnprovenPagesError('batches', `${count} batches ${range} unproven, over ${limit}`)
    }
    if (bytes > this.#maxBufferedBytes) {
      const limit = this.#maxBufferedBytes
      throw new UnprovenPagesError('bytes', `${bytes} bytes ${range} unproven, over ${limit}`)
    }
  }

  /** Chains the page's bodies onto the buffer (without committing); undefined if nothing to do. */
  #extend(
    page: ParsedPage,
  ): { buffer: ChainedBatch[]; anchor: string | undefined; bytes: number } | undefined {
    let anchor = this.#anchor
    let bodies = page.batches
    let tip = this.#buffer.at(-1)?.chainingHash ?? this.#released.chainingHash ?? anchor
    if (tip === undefined) {
      if (bodies.length === 0) return undefined
      // The page starts at the resume index itself: adopt its hash and drop its body.
      anchor = requireHash(page.firstChainingHash, 'first_chaining_hash')
      tip = anchor
      bodies = bodies.slice(1)
    }
    const checkFirst = anchor === this.#anchor
    let index = this.#released.index + this.#buffer.length
    const fresh: ChainedBatch[] = []
    let bytes = this.#bufferedBytes
    for (const body of bodies) {
      bytes += body.length
      tip = chainHash(tip, body)
      if (checkFirst && fresh.length === 0 && page.firstChainingHash !== tip) {
        throw new ProofError(
          'chain_mismatch',
          `first_chaining_hash ${String(page.firstChainingHash)} differs from the local ${tip}`,
        )
      }
      fresh.push({ body, index: ++index, chainingHash: tip })
    }
    const buffer = fresh.length === 0 ? this.#buffer : this.#buffer.concat(fresh)
    return { buffer, anchor, bytes }
  }
}

/**
 * A v0.1.7 finalization proof at a position whose local chaining hash is `hash`: throws if it
 * cannot be valid there, else returns its signature's check.
 */
function checkFinalization(
  app: string,
  proof: SignatureRecord,
  hash: string,
  parentIndex: number | undefined,
): ProofCheck {
  if (proof.state !== 'locked') {
    throw new ProofError('malformed', `a finalization proof signs state ${proof.state}`)
  }
  if (proof.chaining_hash !== hash) {
    throw new ProofError(
      'chain_mismatch',
      `proof at ${proof.index} signs ${proof.chaining_hash}, the bodies chain to ${hash}`,
    )
  }
  // The parent is the signing sequencer's last finalization: `parentIndex` (the one verified
  // before this proof), or an older one when that sequencer missed it (its predecessor crashed
  // before sharing it). The chaining hash binds the proof to the bodies either way; a parent
  // beyond `parentIndex` names a finalization this reader skipped.
  if (parentIndex !== undefined && proof.parent_index > parentIndex) {
    throw new ProofError(
      'broken_parent_link',
      `proof at ${proof.index} has parent ${proof.parent_index}, after ${parentIndex}`,
    )
  }
  return signatureRecordCheck(app, proof)
}

/** Legacy messages carry no parent; the signature is checked against the local chain. */
function checkLegacyFinalization(
  app: string,
  proof: LegacySignatureRecord,
  hash: string,
): ProofCheck {
  if (proof.chaining_hash !== '' && proof.chaining_hash !== hash) {
    throw new ProofError(
      'chain_mismatch',
      `proof at ${proof.index} names ${proof.chaining_hash}, the bodies chain to ${hash}`,
    )
  }
  return legacyRecordCheck(app, { ...proof, chaining_hash: hash })
}

function parsePage(data: unknown): ParsedPage {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ProofError('malformed', 'the page is not an object')
  }
  const page = data as Record<string, unknown>
  const batches = page['batches']
  if (!Array.isArray(batches)) throw new ProofError('malformed', 'the page has no batches array')
  batches.forEach((body: unknown, position) => {
    if (typeof body !== 'string') {
      throw new ProofError('malformed', `batch ${position} of the page is not a string`)
    }
  })
  const common = { batches: batches as string[], firstChainingHash: page['first_chaining_hash'] }
  if ('finalized_signatures' in page) {
    const proofs = page['finalized_signatures']
    if (!Array.isArray(proofs)) {
      throw new ProofError('malformed', 'finalized_signatures is not an array')
    }
    return { ...common, format: 'v0.1.7', proofs }
  }
  if ('finalized' in page) return { ...common, format: 'legacy', proof: page['finalized'] }
  throw new ProofError('malformed', 'the page has neither finalized_signatures nor finalized')
}

type ParsedProof =
  | { readonly format: 'v0.1.7'; readonly record: SignatureRecord }
  | { readonly format: 'legacy'; readonly record: LegacySignatureRecord }

/** Parses one page proof; a legacy index 0 is v0.1.5's "no proof" placeholder, so none. */
function parseProof(format: ParsedPage['format'], value: unknown): ParsedProof | undefined {
  if (format === 'v0.1.7') return { format, record: parseSignatureRecord(value) }
  const result = legacySignatureRecordSchema.safeParse(value)
  if (!result.success) throw new ProofError('malformed', result.error.issues[0]?.message ?? '')
  return result.data.index === 0 ? undefined : { format, record: result.data }
}

function requireHash(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{32}$/.test(value)) {
    throw new ProofError('malformed', `${name} is not a 32-char hex digest`)
  }
  return value
}
