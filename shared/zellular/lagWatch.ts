/**
 * Tells a reader when the node it reads keeps it behind the network. A node can serve only valid
 * pages, each ending at a proof, and still hold a reader far behind: it answers each read with
 * the batches up to the next finalization only, just inside the client's timeouts. Nothing in
 * one node's answers shows that; what the rest of the network has finalized does.
 *
 * So the reader asks another node, at the start and then every `maxBehindMs`, for its last
 * finalization, whose quorum signature it verifies: a node cannot claim an index the network
 * did not finalize, so one liar cannot make every node look slow. Once it knows an index past
 * its own position, the node it reads gets `maxBehindMs` of reading to bring it there; a node
 * that does not is left for the next one, which gets the same time for what is known then. A
 * node that keeps up reaches each such index within a finalization or two, so only a node that
 * serves less than the network has is left, for whatever reason: lagging, slow, or lying. A
 * reader catching up on a long history may leave honest nodes too, when getting through it takes
 * longer than `maxBehindMs`; it then goes on from where it is at the next node, and loses only
 * what the left node sent past its last proof.
 *
 * The clock stops while the caller holds a batch (`pause`, `resume`): a reader slower than the
 * network is not its node's fault. Pure: the caller passes the times and positions and does the
 * reading.
 */
export class LagWatch {
  /** Highest finalized index a verified proof has shown. */
  #known = 0
  /** The index the node now read must bring the reader to, and by when (on the reading clock). */
  #goal: { readonly index: number; readonly deadline: number } | undefined
  #probing = false
  #nextProbe = Number.NEGATIVE_INFINITY
  /** Time the caller held batches, and since when it holds one. */
  #paused = 0
  #pausedAt: number | undefined

  constructor(readonly maxBehindMs: number) {}

  /** Highest finalized index a verified proof has shown (0: none yet). */
  get known(): number {
    return this.#known
  }

  /**
   * True when the reader should ask another node for its proven finalized index now: at the
   * first call, then `maxBehindMs` after the last probe was asked for, never while one is out.
   */
  probeDue(now: number): boolean {
    if (this.#probing || now < this.#nextProbe) return false
    this.#probing = true
    this.#nextProbe = now + this.maxBehindMs
    return true
  }

  /**
   * A probe's answer: another node proved `index` finalized (undefined: it gave nothing that
   * checks out); the reader is at `position`.
   */
  learn(index: number | undefined, position: number, now: number): void {
    this.#probing = false
    if (index === undefined) return
    if (index > this.#known) this.#known = index
    if (this.#goal === undefined) this.#aim(position, now)
  }

  /**
   * After a read from the current node: true when it has kept the reader, now at `position`,
   * behind a known finalized index for `maxBehindMs` of reading.
   */
  overdue(position: number, now: number): boolean {
    const goal = this.#goal
    if (goal === undefined) return false
    if (position >= goal.index) {
      this.#aim(position, now)
      return false
    }
    return this.#clock(now) >= goal.deadline
  }

  /** The reader moved to another node: that node gets the whole time from here. */
  restart(position: number, now: number): void {
    this.#aim(position, now)
  }

  /** The caller holds a batch from `now`: the clock stops. */
  pause(now: number): void {
    this.#pausedAt ??= now
  }

  /** The caller asked for the next batch: the clock runs again. */
  resume(now: number): void {
    if (this.#pausedAt === undefined) return
    this.#paused += now - this.#pausedAt
    this.#pausedAt = undefined
  }

  /** Reading time: `now` less the time the caller held batches. */
  #clock(now: number): number {
    return now - this.#paused - (this.#pausedAt === undefined ? 0 : now - this.#pausedAt)
  }

  #aim(position: number, now: number): void {
    const deadline = this.#clock(now) + this.maxBehindMs
    this.#goal = this.#known > position ? { index: this.#known, deadline } : undefined
  }
}
