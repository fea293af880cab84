import { signRootAttestation, type SignedRoot } from '../../shared/attest/index.ts'

/** Where a state hash was computed: the applied position and the hash. */
export interface RootPosition {
  readonly index: number
  /** Zellular's chaining hash of `index` ("" at 0). */
  readonly chainingHash: string
  /** The batch's deterministic time in ms (`position.time`). */
  readonly time: number
  readonly stateHash: string
}

/**
 * The replica's signed root attestations (`docs/state-commitment.md`): one per state hash it
 * computes, signed at once with its BLS key, and the last `keptMax` of them kept by index for
 * `GET /root?index`. Signing rides on the state hash schedule (`StateHashSchedule`): hashes
 * are made at root checkpoints (`rootCheckpoints.ts`, the same indexes on every replica, about
 * one per second of sequenced time) and at pauses, and the schedule measures the signature with
 * the hash and keeps both under 1/20 of the time between two, whatever the load. Kept long
 * enough (256 hashes: about 4 minutes at one a second) for a client to fetch a proof from one
 * replica and the same index's attestations from the others.
 */
export class RootAttestations {
  private readonly kept = new Map<number, SignedRoot>()
  private newest: SignedRoot | undefined
  /** Signatures made so far (for tests and benchmarks). */
  signed = 0

  constructor(
    private readonly secretKey: Uint8Array,
    private readonly identity: {
      readonly app: string
      readonly network: string
      readonly registryHash: string
      readonly replicaId: string
    },
    private readonly keptMax = 256,
  ) {}

  /** Signs the root at `position` (once per index and state hash) and keeps it. */
  record(position: RootPosition): SignedRoot {
    const known = this.kept.get(position.index)
    if (known?.attestation.stateHash === position.stateHash) return known
    const signed = signRootAttestation(this.secretKey, { ...this.identity, ...position })
    this.signed += 1
    this.kept.delete(position.index)
    this.kept.set(position.index, signed)
    // Maps iterate in insertion order, and indexes only grow: the first is the oldest.
    while (this.kept.size > this.keptMax) this.kept.delete(this.kept.keys().next().value!)
    this.newest = signed
    return signed
  }

  /** Forgets every attestation kept: of a state replaced by state sync, which no quorum signed. */
  clear(): void {
    this.kept.clear()
    this.newest = undefined
  }

  /** The attestation of `index`, if this replica computed a hash there and still keeps it. */
  at(index: number): SignedRoot | undefined {
    return this.kept.get(index)
  }

  /** The attestation of the latest state hash, if one was computed since the start. */
  latest(): SignedRoot | undefined {
    return this.newest
  }
}
