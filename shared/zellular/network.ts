import { RecentResults } from '../memo/index.ts'
import * as bls from './bls.ts'
import { ProofError } from './errors.ts'
import type { NodeInfo, NodesFile } from './nodesFile.ts'

export type Role = 'posting' | 'sequencing'

/** One operator, with its key parsed once. */
export interface Operator {
  readonly id: string
  readonly socket: string
  readonly stake: number
  readonly roles: readonly Role[]
  readonly publicKey: bls.G2
  readonly info: NodeInfo
}

/** An aggregated signature as Zellular transmits it. */
export interface AggregateSignature {
  readonly signature: string
  readonly nonsigners: readonly string[]
}

/** An aggregated signature over `message`, to check with `Network.verifyAggregates`. */
interface AggregateCheck {
  readonly message: string
  readonly aggregate: AggregateSignature
}

/** `Network.aggregateBatch`: checks added a part at a time, then verified together. */
interface AggregateBatch {
  /** @throws ProofError when a nonsigner list or a signature's form is wrong. */
  add(list: readonly AggregateCheck[]): void
  /** @throws ProofError('bad_signature') unless every signature added verifies. */
  verify(): void
}

/**
 * The operator set and quorum rule of one Zellular network. zsequencer's file source has a single
 * tag (0), so one `Network` is the whole committee; verification starts from the aggregate of
 * every staked key and subtracts the nonsigners, as zsequencer and the Python SDK do.
 */
export class Network {
  private readonly recentVerifications = new RecentResults<string, boolean>(1_024)
  /**
   * The signers' key of the last nonsigner sets, with precomputed lines: proofs usually leave
   * out the same node or two, and both Miller loops of a check then skip computing their lines
   * (~16 % of a loop). Lines are wasm memory: freed when a set leaves the cache.
   */
  private readonly recentSignerKeys = new RecentResults<string, bls.G2>(16, (key) =>
    bls.releasePublicKey(key),
  )
  readonly operators: ReadonlyMap<string, Operator>
  readonly totalStake: number
  readonly aggregatedPublicKey: bls.G2

  constructor(
    nodes: NodesFile,
    /** Percent of total stake that must sign a lock or finalization (zsequencer: ≥). */
    readonly thresholdPercent: number,
  ) {
    const operators = new Map<string, Operator>()
    for (const info of Object.values(nodes)) {
      operators.set(info.id, {
        id: info.id,
        socket: info.socket,
        stake: info.stake,
        roles: info.roles ?? ['posting', 'sequencing'],
        publicKey: bls.preparePublicKey(bls.g2FromNodesFile(info)),
        info,
      })
    }
    this.operators = operators
    this.totalStake = [...operators.values()].reduce((sum, op) => sum + op.stake, 0)
    this.aggregatedPublicKey = bls.preparePublicKey(
      bls.aggregatePublicKeys(this.attesting().map((operator) => operator.publicKey)),
    )
  }

  /** Operators with stake > 0: the ones whose signatures count. */
  attesting(): Operator[] {
    return [...this.operators.values()].filter((operator) => operator.stake > 0)
  }

  withRole(role: Role): Operator[] {
    return [...this.operators.values()].filter((operator) => operator.roles.includes(role))
  }

  operator(id: string): Operator | undefined {
    return this.operators.get(id.toLowerCase())
  }

  /** Percent of total stake held by `ids` (unknown ids count 0), computed as zsequencer does. */
  stakePercent(ids: Iterable<string>): number {
    let stake = 0
    for (const id of new Set(ids)) stake += this.operators.get(id)?.stake ?? 0
    return this.totalStake === 0 ? 0 : (100 * stake) / this.totalStake
  }

  /** zsequencer's `get_next_sequencer_id`: the next sequencing node by sorted id, wrapping. */
  nextSequencer(current: string): string {
    const ids = this.withRole('sequencing')
      .map((operator) => operator.id)
      .sort()
    const position = ids.indexOf(current)
    const next = position === -1 ? ids[0] : ids[(position + 1) % ids.length]
    if (next === undefined) throw new RangeError('the network has no sequencing node')
    return next
  }

  /**
   * Checks an aggregated signature over `message`: nonsigners known and unique, their stake at most
   * 100 − threshold percent, and the signature valid under the aggregate key minus nonsigners.
   * Unknown nonsigners are refused (zsequencer would crash; the Python SDK ignores them).
   * @throws ProofError
   */
  verifyAggregate(message: string, aggregate: AggregateSignature): void {
    this.verifyAggregates([{ message, aggregate }])
  }

  /**
   * `verifyAggregate` for several, in one final exponentiation (`bls.verifyAll`); proofs with
   * the same nonsigners share their key, so the proofs of a page cost two pairings together
   * where each alone cost two. Every nonsigner list is checked before any curve work. A list
   * that fails together is not checked one by one to name the bad signature: that costs a
   * pairing each, and a list may hold thousands from one untrusted node (`PageVerifier` checks
   * a page's proofs in growing groups for that reason).
   * @throws ProofError
   */
  verifyAggregates(list: readonly AggregateCheck[]): void {
    if (bls.verifyAll(this.signatureChecks(list))) return
    throw badSignature(list.length)
  }

  /**
   * `verifyAggregates` a part at a time (`bls.SignatureBatch`), for a caller that yields to the
   * event loop between parts: `add` checks its part's nonsigner lists, then does the part's
   * curve work; `verify` the final check, which throws as `verifyAggregates` does.
   */
  aggregateBatch(): AggregateBatch {
    const batch = new bls.SignatureBatch()
    let count = 0
    return {
      add: (list) => {
        for (const check of this.signatureChecks(list)) batch.add(check)
        count += list.length
      },
      verify: () => {
        if (!batch.verify()) throw badSignature(count)
      },
    }
  }

  /** The curve checks of aggregate signatures, after checking every nonsigner list. */
  private signatureChecks(list: readonly AggregateCheck[]): bls.SignatureCheck[] {
    const signers = list.map(({ aggregate }) => this.attestingNonsigners(aggregate.nonsigners))
    return list.map(({ message, aggregate }, position): bls.SignatureCheck => {
      let signature: bls.G1
      try {
        signature = bls.parseG1(aggregate.signature)
      } catch {
        throw new ProofError('malformed', 'the signature is not a G1 point')
      }
      return { signature, publicKey: this.signersKey(signers[position]!), message }
    })
  }

  /**
   * The nonsigners that hold stake, sorted, after checking them: known, unique, and holding at
   * most 100 − threshold percent of the stake. No curve work.
   * @throws ProofError
   */
  private attestingNonsigners(nonsigners: readonly string[]): readonly string[] {
    const seen = new Set<string>()
    for (const raw of nonsigners) {
      const id = raw.toLowerCase()
      if (seen.has(id)) throw new ProofError('duplicate_nonsigner', `nonsigner ${id} is repeated`)
      seen.add(id)
      if (!this.operators.has(id)) {
        throw new ProofError('unknown_nonsigner', `nonsigner ${id} is not a node`)
      }
    }
    const attesting = [...seen].filter((id) => (this.operators.get(id)?.stake ?? 0) > 0).sort()
    if (this.stakePercent(attesting) > 100 - this.thresholdPercent) {
      throw new ProofError('insufficient_stake', 'signers hold less than the threshold of stake')
    }
    return attesting
  }

  /**
   * The aggregate key of everyone but the (checked) staked nonsigners `attesting`. One key
   * object per nonsigner set (the last few kept), so `bls.verifyAll` checks proofs of one set
   * with one Miller loop.
   */
  private signersKey(attesting: readonly string[]): bls.G2 {
    if (attesting.length === 0) return this.aggregatedPublicKey
    return this.recentSignerKeys.getOrCompute(attesting.join(','), () =>
      bls.preparePublicKey(
        attesting.reduce(
          (key, id) => bls.subtractPublicKey(key, this.operators.get(id)!.publicKey),
          this.aggregatedPublicKey,
        ),
      ),
    )
  }

  /**
   * Verifies one operator's own signature (a dispute vote). Recent answers are remembered: the
   * answer for given inputs never changes, so this only saves pairings.
   */
  verifyOperatorSignature(id: string, message: string, signature: string): boolean {
    const key = `${id.toLowerCase()}|${message}|${signature}`
    return this.recentVerifications.getOrCompute(key, () => {
      const check = this.signatureCheck(id, message, signature)
      return check !== undefined && bls.verify(check.signature, check.publicKey, check.message)
    })
  }

  /**
   * Whether every one of several operator signatures verifies (the proofs of a switch request),
   * in one final exponentiation for those not remembered (`bls.verifyAll`). When they fail
   * together, they are checked one by one up to the first that fails: a sender of a forged
   * proof costs two pairing checks, not one per proof. Answers are remembered, as
   * `verifyOperatorSignature`'s.
   */
  verifyOperatorSignatures(
    list: readonly { readonly id: string; readonly message: string; readonly signature: string }[],
  ): boolean {
    const unknown: { key: string; check: bls.SignatureCheck }[] = []
    for (const { id, message, signature } of list) {
      const key = `${id.toLowerCase()}|${message}|${signature}`
      const known = this.recentVerifications.find(key)
      if (known === false) return false
      if (known === true) continue
      const check = this.signatureCheck(id, message, signature)
      if (check === undefined) {
        this.recentVerifications.remember(key, false)
        return false
      }
      unknown.push({ key, check })
    }
    const valid = bls.verifyAll(unknown.map(({ check }) => check))
    for (const { key, check } of unknown) {
      const answer = valid || bls.verify(check.signature, check.publicKey, check.message)
      this.recentVerifications.remember(key, answer)
      if (!answer) return false
    }
    return true
  }

  /** The check for one operator signature, or undefined when it cannot be valid at all. */
  private signatureCheck(
    id: string,
    message: string,
    signature: string,
  ): bls.SignatureCheck | undefined {
    const operator = this.operator(id)
    if (!operator) return undefined
    try {
      const point = bls.parseG1(signature)
      return point.isZero()
        ? undefined
        : { signature: point, publicKey: operator.publicKey, message }
    } catch {
      return undefined
    }
  }
}

function badSignature(count: number): ProofError {
  const which = count === 1 ? 'signature' : `signature among ${count}`
  return new ProofError('bad_signature', `the aggregated ${which} does not verify`)
}
