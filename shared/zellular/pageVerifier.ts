import { ProofError, UnprovenPagesError } from './errors.ts'
import { chainHash } from './hash.ts'
import type { Network } from './network.ts'
import {
  legacyRecordCheck,
  legacySignatureRecordSchema,
  parseProof,
  parseSignatureRecord,
  signatureRecordCheck,
  type LegacySignatureRecord,
  type ProofCheck,
} from './proof.ts'
import { nextMacrotask, WorkSlices } from './workSlices.ts'

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
  /**
   * Most batches one page may hold: a page of more throws `ProofError('malformed')` before any
   * body is chained, changing nothing. A node's answer of ~22 million empty batches fits in
   * 64 MB, some 37 s of chaining. Default: no limit (the client sets one, `maxPageBatches`).
   */
  readonly maxPageBatches?: number
  /**
   * Most work `consume` does between two yields to the event loop, in units of about a
   * microsecond of one core (`WORK`); default 20,000. An honest page of 100,000 proofs is about a
   * minute of work: in one go it would hold the caller's thread (no reads, timers or heartbeats)
   * for all of it, and a node may send one on purpose.
   */
  readonly workPerSlice?: number
  /** How `consume` yields between slices; default the next macrotask (`nextMacrotask`). */
  readonly yieldToLoop?: () => Promise<void>
}

/** Options of one `consume`. */
export interface ConsumeOptions {
  /** Stops the work at the next slice: `consume` rejects with the reason, changing nothing. */
  readonly signal?: AbortSignal
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
 * page for `nextAfter` and hands it to `consume`, which works through it in slices with a yield
 * to the event loop between them (`workPerSlice`). A page that fails leaves the state untouched.
 *
 * @example
 * const verifier = new PageVerifier({ network, app: 'simple_app' })
 * const after = verifier.nextAfter
 * const page = await getFinalizedPage(after) // the envelope's `data`
 * for (const batch of await verifier.consume(page, after)) apply(batch.body)
 */
export class PageVerifier {
  readonly network: Network
  readonly app: string
  readonly #maxBufferedBatches: number
  readonly #maxBufferedBytes: number
  readonly #maxPageBatches: number
  readonly #workPerSlice: number
  readonly #yieldToLoop: () => Promise<void>
  /** A `consume` is under way: the state must not change under it. */
  #consuming = false
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
    this.#maxPageBatches = parameters.maxPageBatches ?? Number.POSITIVE_INFINITY
    this.#workPerSlice = parameters.workPerSlice ?? DEFAULT_WORK_PER_SLICE
    this.#yieldToLoop = parameters.yieldToLoop ?? nextMacrotask
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
    this.#refuseWhileConsuming()
    this.#buffer = []
    this.#bufferedBytes = 0
    this.#anchor = undefined
  }

  /**
   * Consumes the `data` of one page requested with `after` (which must be `nextAfter`) and
   * resolves to the batches it proved, in order; `null` (nothing finalized past `after`) to none.
   * The work is done in slices (`workPerSlice`), one `consume` at a time.
   * @throws ProofError when the page is malformed, breaks the chain or carries a bad proof.
   * @throws UnprovenPagesError when the unproven tail it would leave exceeds the limits.
   */
  async consume(
    data: unknown,
    after: number,
    options: ConsumeOptions = {},
  ): Promise<VerifiedBatch[]> {
    this.#refuseWhileConsuming()
    if (after !== this.nextAfter) {
      throw new RangeError(`page fetched after ${after}; the verifier expects ${this.nextAfter}`)
    }
    if (data === null) return []
    this.#consuming = true
    try {
      const slices = new WorkSlices(this.#workPerSlice, this.#yieldToLoop, options.signal)
      return await this.#consumePage(parsePage(data, this.#maxPageBatches), slices)
    } finally {
      this.#consuming = false
    }
  }

  /** `consume` after its checks: builds on copies and commits at the end, after the last yield. */
  async #consumePage(page: ParsedPage, slices: WorkSlices): Promise<VerifiedBatch[]> {
    const extended = await this.#extend(page, slices)
    if (extended === undefined) return []
    const { buffer } = extended
    // Every proof's place is checked before any curve work, then the signatures.
    const placed = await this.#place(page, buffer, extended.anchor, slices)
    const signed = await this.#verifyInGroups(placed, slices)
    let { bytes } = extended
    let start = 0 // buffer[start] is the first body not released yet
    const out: VerifiedBatch[] = []
    for (const [position, { end }] of placed.entries()) {
      const { timestamp, finalization } = signed[position]!
      for (; start < end; start++) {
        out.push({ ...buffer[start]!, timestamp, finalization })
        bytes -= buffer[start]!.body.length
        if (slices.spend(WORK.release)) await slices.pause()
      }
    }
    const last = placed.at(-1)
    const released =
      last === undefined
        ? this.#released
        : { index: last.index, chainingHash: last.hash, finalizedIndex: last.index }
    this.#checkLimits(buffer.length - start, bytes, released.index)
    this.#buffer = start === 0 ? buffer : buffer.slice(start)
    this.#bufferedBytes = bytes
    this.#released = released
    this.#anchor = last === undefined ? extended.anchor : undefined
    return out
  }

  #refuseWhileConsuming(): void {
    if (this.#consuming) throw new RangeError('the verifier is still consuming a page')
  }

  /**
   * Places each of the page's proofs on the chain, with the rules every honest page meets and
   * no curve work: one proof per batch at most, in strictly increasing index order, each inside
   * what the verifier holds (the buffered bodies, or the resume anchor at position 0), signing
   * the locally computed chaining hash there, with a parent no later than the finalization
   * before it (`checkPlace`). Only the fields these need are read: the rest of each proof is
   * parsed when its signature is checked, so a page that breaks a rule late costs no parsing of
   * the proofs before it.
   */
  async #place(
    page: ParsedPage,
    buffer: readonly ChainedBatch[],
    anchor: string | undefined,
    slices: WorkSlices,
  ): Promise<PlacedProof[]> {
    const proofs = page.format === 'v0.1.7' ? page.proofs : page.proof === null ? [] : [page.proof]
    const positions = buffer.length + (anchor === undefined ? 0 : 1)
    if (page.format === 'v0.1.7' && proofs.length > positions) {
      throw new ProofError('malformed', `${proofs.length} proofs for ${positions} batches`)
    }
    const placed: PlacedProof[] = []
    let { index: released, finalizedIndex } = this.#released
    let start = 0 // buffer[start] holds index released + 1
    let anchorHash = anchor // until a proof is placed
    for (const wire of proofs) {
      const place = page.format === 'v0.1.7' ? readPlace(wire) : legacyPlace(wire)
      if (place === undefined) continue
      // Position 0 is the resume anchor; 1.. are buffered bodies. Anything else was not in
      // this page, or is at or before the proof before it: an honest node would not send it.
      const { index } = place
      const position = index - released
      const hash =
        position === 0
          ? anchorHash
          : position > 0
            ? buffer[start + position - 1]?.chainingHash
            : undefined
      if (hash === undefined) {
        const last = released + buffer.length - start
        throw new ProofError(
          'malformed',
          `proof for index ${index} outside the buffered ${released + 1}..${last}`,
        )
      }
      if (place.format === 'v0.1.7') {
        // A proof at the known finalization itself (the resume anchor) has its own parent.
        // Without a known one (a resume from a state snapshot), the first proof must still
        // release everything past `after`: a parent past it names a finalization this reader
        // was not shown, and its batches would be stamped with the wrong sync point's time.
        const known = finalizedIndex ?? released
        checkPlace(place, hash, finalizedIndex === index ? undefined : known)
      } else {
        checkLegacyPlace(place.record, hash)
      }
      start += position
      placed.push({ ...place, hash, end: start })
      released = index
      finalizedIndex = index
      anchorHash = undefined
      if (slices.spend(WORK.place)) await slices.pause()
    }
    return placed
  }

  /**
   * Checks the placed proofs' signatures in growing groups (16, 32, 64, …), each group in one
   * aggregate check, and returns what each signs about its batches. A node may send a page of
   * thousands of made-up proofs that pass every rule of `#place` (they sign the right hashes,
   * under one reused point); each costs a hash to the curve and two scalar multiplications, so
   * one check of them all held the thread for minutes before it failed. In groups, a bad proof
   * stops the work once its group is checked: at most twice the valid proofs before it, plus
   * 16. An honest page of n proofs costs about log₂(n / 16) + 1 pairing checks instead of one.
   * The page is then refused whole, its valid prefix included: a failing page changes nothing
   * (the client moves to another node from where it was), and the next node's page costs that
   * prefix again, so at most the prefix's work is repeated.
   */
  async #verifyInGroups(placed: readonly PlacedProof[], slices: WorkSlices): Promise<Signed[]> {
    const signed: Signed[] = []
    for (let start = 0, size = FIRST_GROUP; start < placed.length; start += size, size *= 2) {
      // Added a proof at a time, so that a group of thousands is spread over slices; still one
      // pairing check per group.
      const group = this.network.aggregateBatch()
      for (const proof of placed.slice(start, start + size)) {
        const { check, ...about } = this.#signatureOf(proof)
        group.add([check])
        signed.push(about)
        if (slices.spend(WORK.signature)) await slices.pause()
      }
      group.verify()
      if (slices.spend(WORK.pairing)) await slices.pause()
    }
    return signed
  }

  /** The check of a placed proof's signature, and what the proof signs about its batches. */
  #signatureOf(proof: PlacedProof): Signed & { readonly check: ProofCheck } {
    if (proof.format === 'legacy') {
      const check = legacyRecordCheck(this.app, { ...proof.record, chaining_hash: proof.hash })
      return { check, timestamp: undefined, finalization: undefined }
    }
    const record = parseSignatureRecord(proof.wire)
    const finalization = { index: record.index, parentIndex: record.parent_index }
    const check = signatureRecordCheck(this.app, record)
    return { check, timestamp: record.timestamp, finalization }
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
  async #extend(
    page: ParsedPage,
    slices: WorkSlices,
  ): Promise<{ buffer: ChainedBatch[]; anchor: string | undefined; bytes: number } | undefined> {
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
      const work = WORK.body + Math.trunc(body.length / WORK.charsPerUnit)
      if (slices.spend(work)) await slices.pause()
    }
    const buffer = fresh.length === 0 ? this.#buffer : this.#buffer.concat(fresh)
    return { buffer, anchor, bytes }
  }
}

/**
 * Signatures in the first group `#verifyInGroups` checks together; each next one doubles. A node
 * checking a peer's proofs uses the same groups (`server/zellular/chain.ts`).
 */
export const FIRST_GROUP = 16

/**
 * What each step of `consume` costs, in units of about a microsecond of one core (measured on
 * the 2-core development machine), to cut a page into slices of `workPerSlice`. Only the
 * proportions matter: the slices are counted, not timed, so they are the same on any machine.
 */
export const WORK = {
  /** Parsing a proof, hashing its message to the curve, two scalar multiplications. */
  signature: 500,
  /** The final check of a group of signatures (Miller loops and a final exponentiation). */
  pairing: 5_000,
  /** Reading a proof's place and comparing its chaining hash. */
  place: 2,
  /** Chaining a body: a fixed part, plus one per `charsPerUnit` characters hashed. */
  body: 3,
  charsPerUnit: 128,
  /** Releasing a batch (one object). */
  release: 1,
} as const

/** About 20 ms of work at `WORK`'s rates, 40 under load: ~40 signatures a slice. */
export const DEFAULT_WORK_PER_SLICE = 20_000

/** The fields of a v0.1.7 proof that place it on the chain, read without parsing the rest. */
interface Place {
  readonly format: 'v0.1.7'
  readonly wire: unknown
  readonly index: number
  readonly parentIndex: number
  readonly state: unknown
  readonly chainingHash: unknown
}

/** A legacy (v0.1.5) proof, parsed whole (a page has one at most). */
interface LegacyPlace {
  readonly format: 'legacy'
  readonly index: number
  readonly record: LegacySignatureRecord
}

/** A proof placed at `index`, whose local chaining hash is `hash`; it releases buffer[..end). */
type PlacedProof = (Place | LegacyPlace) & { readonly hash: string; readonly end: number }

/** What a verified proof tells of the batches it releases (`VerifiedBatch`). */
type Signed = Pick<VerifiedBatch, 'timestamp' | 'finalization'>

function readPlace(value: unknown): Place {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProofError('malformed', 'a finalization proof is not an object')
  }
  const fields = value as Record<string, unknown>
  const { index, parent_index: parentIndex } = fields
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) {
    throw new ProofError('malformed', `a finalization proof has index ${String(index)}`)
  }
  if (typeof parentIndex !== 'number' || !Number.isSafeInteger(parentIndex) || parentIndex < 0) {
    throw new ProofError('malformed', `proof at ${index} has parent ${String(parentIndex)}`)
  }
  const { state, chaining_hash: chainingHash } = fields
  return { format: 'v0.1.7', wire: value, index, parentIndex, state, chainingHash }
}

/** Parses a legacy page proof; index 0 is v0.1.5's "no proof" placeholder, so none. */
function legacyPlace(value: unknown): LegacyPlace | undefined {
  const record = parseProof(legacySignatureRecordSchema, value)
  return record.index === 0 ? undefined : { format: 'legacy', index: record.index, record }
}

/**
 * Throws unless a v0.1.7 finalization proof can be valid at a position whose local chaining hash
 * is `hash`, after the finalization `parentIndex` (undefined: not known).
 */
function checkPlace(proof: Place, hash: string, parentIndex: number | undefined): void {
  if (proof.state !== 'locked') {
    throw new ProofError('malformed', `a finalization proof signs state ${String(proof.state)}`)
  }
  if (proof.chainingHash !== hash) {
    throw new ProofError(
      'chain_mismatch',
      `proof at ${proof.index} signs ${String(proof.chainingHash)}, the bodies chain to ${hash}`,
    )
  }
  // The parent is the signing sequencer's last finalization: `parentIndex` (the one before this
  // proof), or an older one when that sequencer missed it (its predecessor crashed before
  // sharing it). So an honest page may hold older parents, one at each sequencer switch it
  // spans, and a long page may span many: requiring the proof before would refuse it at every
  // node, for good. The chaining hash binds the proof to the bodies either way, and the
  // signatures are checked in groups (`#verifyInGroups`), which bounds what made-up proofs on
  // old parents cost. A parent beyond `parentIndex` names a finalization this reader skipped.
  if (parentIndex !== undefined && proof.parentIndex > parentIndex) {
    throw new ProofError(
      'broken_parent_link',
      `proof at ${proof.index} has parent ${proof.parentIndex}, after ${parentIndex}`,
    )
  }
}

/** Legacy messages carry no parent; the signature is checked against the local chain. */
function checkLegacyPlace(proof: LegacySignatureRecord, hash: string): void {
  if (proof.chaining_hash !== '' && proof.chaining_hash !== hash) {
    throw new ProofError(
      'chain_mismatch',
      `proof at ${proof.index} names ${proof.chaining_hash}, the bodies chain to ${hash}`,
    )
  }
}

function parsePage(data: unknown, maxBatches: number): ParsedPage {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ProofError('malformed', 'the page is not an object')
  }
  const page = data as Record<string, unknown>
  const batches = page['batches']
  if (!Array.isArray(batches)) throw new ProofError('malformed', 'the page has no batches array')
  if (batches.length > maxBatches) {
    const count = batches.length
    throw new ProofError('malformed', `the page holds ${count} batches, over ${maxBatches}`)
  }
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

function requireHash(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{32}$/.test(value)) {
    throw new ProofError('malformed', `${name} is not a 32-char hex digest`)
  }
  return value
}
