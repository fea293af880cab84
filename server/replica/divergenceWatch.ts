import type { ReplicaRegistry } from '../../shared/api/index.ts'
import type { BlsVerifier, SignedRoot } from '../../shared/attest/index.ts'
import type { AskParameters } from '../verify/replicaAnswer.ts'
import { checkOwnRoot } from './ownRootCheck.ts'

/** A root a quorum of peers signed at an index where this replica signed another. */
export interface Divergence {
  readonly index: number
  /** The state hash this replica signed there. */
  readonly stateHash: string
  /** The state hash the quorum signed there. */
  readonly quorumStateHash: string
  /** The replicas of that quorum, in registry order. */
  readonly signers: readonly string[]
}

/** A divergence this process found and healed: its state replaced by one a quorum signed. */
export interface HealedDivergence extends Divergence {
  /** The index of the state installed in place of the diverged one. */
  readonly healedAt: number
}

interface DivergenceWatchParameters {
  readonly registry: ReplicaRegistry
  readonly replicaId: string
  /** This replica's latest signed root, signing one now if a hash is due. */
  readonly latestRoot: () => SignedRoot | undefined
  readonly bls: BlsVerifier
  readonly asking: AskParameters
  readonly log: (line: string) => void
  /**
   * The divergence its database records (`divergenceRecord.ts`): found before a restart, it
   * holds from the start, and nothing is signed of that state.
   */
  readonly recorded?: Divergence | undefined
}

/**
 * Notices that this replica's state is not the one a quorum of its peers has (a corrupted
 * database, a bug, a batch time read from another proof): each `step` checks one of its own
 * roots against its peers' attestations of that index (`checkOwnRoot`), so the caller bounds
 * the cost to n - 1 requests per step by how often it steps. The root checked is the latest one
 * of the step before: signed at least a step ago, so peers that keep up have signed it too.
 * Once a quorum signed another root it stays `diverged` until `healed`: the replica signs
 * nothing meanwhile (`requireIntactState`), and the caller records it in the database and
 * replaces its state by state sync.
 */
export class DivergenceWatch {
  readonly #parameters: DivergenceWatchParameters
  #diverged: Divergence | undefined
  #lastHealed: HealedDivergence | undefined
  /** The root to check at the next step. */
  #next: SignedRoot | undefined
  /** The highest index checked with a verdict, so none is asked twice. */
  #decidedIndex = -1

  constructor(parameters: DivergenceWatchParameters) {
    this.#parameters = parameters
    this.#diverged = parameters.recorded
  }

  /** Why this replica must not sign: a quorum signed another root; undefined while none did. */
  get diverged(): Divergence | undefined {
    return this.#diverged
  }

  /**
   * The last divergence healed since this process started: `/status` says so after the heal,
   * which may come sooner than anyone reads `diverged` (a small state syncs in a fraction of a
   * second).
   */
  get lastHealed(): HealedDivergence | undefined {
    return this.#lastHealed
  }

  /** Checks the root taken at the step before; resolves to the divergence once one is found. */
  async step(): Promise<Divergence | undefined> {
    if (this.#diverged !== undefined) return this.#diverged
    const own = this.#next
    const latest = this.#parameters.latestRoot()
    if (latest !== undefined && latest.attestation.index > this.#decidedIndex) this.#next = latest
    if (own === undefined || own.attestation.index <= this.#decidedIndex) return undefined
    const { registry, replicaId, bls, asking, log } = this.#parameters
    const verdict = await checkOwnRoot({ registry, replicaId, own, bls, asking })
    if (verdict.kind === 'undecided') return undefined
    this.#decidedIndex = own.attestation.index
    if (verdict.kind === 'agrees') return undefined
    const { index, quorum } = verdict
    const divergence = {
      index,
      stateHash: verdict.own.stateHash,
      quorumStateHash: quorum.stateHash,
      signers: verdict.signers,
    }
    const differs = [
      verdict.own.chainingHash === quorum.chainingHash
        ? ''
        : `; chaining hash ${verdict.own.chainingHash}, the quorum's ${quorum.chainingHash}`,
      verdict.own.time === quorum.time
        ? ''
        : `; time ${verdict.own.time}, the quorum's ${quorum.time}`,
    ].join('')
    log(
      `diverged at index ${index}: signed ${divergence.stateHash}, a quorum ` +
        `(${divergence.signers.join(', ')}) signed ${divergence.quorumStateHash}${differs}; ` +
        'signing nothing more until its state is replaced by state sync',
    )
    this.#diverged = divergence
    return divergence
  }

  /** The state was replaced by one a quorum signed: watch again from its index on. */
  healed(index: number): void {
    if (this.#diverged !== undefined) this.#lastHealed = { ...this.#diverged, healedAt: index }
    this.#diverged = undefined
    this.#next = undefined
    this.#decidedIndex = index
  }
}
