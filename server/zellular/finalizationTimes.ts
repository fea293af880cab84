import type Database from 'better-sqlite3'
import { BaseError } from '../../shared/errors/index.ts'
import type { FinalizationVote, TimeLock } from '../../shared/zellular/index.ts'

/** What a finalization carries: its parent, index, chaining hash and timestamp. */
type FinalizationValue = Pick<TimeLock, 'parent_index' | 'index' | 'chaining_hash' | 'timestamp'>

/** Whether two votes, locks or finalizations are for the same finalization. */
export function sameValue(a: FinalizationValue, b: FinalizationValue): boolean {
  return (
    a.parent_index === b.parent_index &&
    a.index === b.index &&
    a.chaining_hash === b.chaining_hash &&
    a.timestamp === b.timestamp
  )
}

/** Why a vote or a finalization is refused, and the lock that binds this node, if that is why. */
export class FinalizationTimeRefusal extends BaseError {
  override name = 'FinalizationTimeRefusal' as const
  constructor(
    message: string,
    readonly locked?: TimeLock,
  ) {
    super(message)
  }
}

interface AppState {
  /** The parent (last finalized index) the rest is about; a later parent starts afresh. */
  parent: number
  /** The highest view this node voted in on `parent`: it votes once per view, views rising. */
  votedView: number
  /** The time lock of the last finalization this node signed on `parent`. */
  locked: TimeLock | undefined
  /** The highest-view time lock this node has seen on `parent` (not stored): what to propose. */
  known: TimeLock | undefined
}

interface Row {
  app: string
  parent: number
  voted_view: number
  locked: string | null
}

/**
 * A finalization's timestamp is agreed before the finalization is signed, so that one parent is
 * finalized only once: with one index, one chaining hash and one time.
 *
 * zsequencer v0.1.7 lets a sequencer ask for finalization signatures on a parent as often as it
 * likes, each with its own timestamp, and a faulty one can have the same batches finalized
 * twice, keep one proof and serve it to some readers, whose batch times then differ from the
 * others'. A node refusing a second finalization on a parent does not fix it alone: a sequencer
 * that split the first signatures between values would leave no value a threshold could ever
 * sign. So finalizing takes two rounds, as Tendermint's prevote and precommit:
 *
 * 1. A vote (`finalizationVoteMessage`) for (index, hash, timestamp) on the parent, in a view:
 *    the proposing sequencer's clock in milliseconds. A node votes at most once per view, in
 *    rising views. Once it signed a finalization it votes only for that value, unless shown a
 *    time lock for another one from a later view than its own. A threshold of votes is a time
 *    lock.
 * 2. The finalization, signed only with a time lock for exactly its index, hash and timestamp;
 *    signing it locks the node on that time lock.
 *
 * The votes on a lock's finalization usually come with the lock request itself (`vote` in
 * `signer.ts`), so a finalization costs no round of its own (`synchronizer.ts`).
 *
 * If a finalization was signed by a threshold in view v, the honest nodes among its signers are
 * locked on it from view v, and every later time lock needs one of them (two thresholds share an
 * honest node), which votes otherwise only on a later lock for another value, so none ever forms.
 * In view v itself no two locks form, each honest node voting once. A new sequencer learns of the
 * highest lock from the refusals of locked nodes (they send it) and proposes its value again.
 *
 * The state is kept in the batch store, so a restarted node does not vote twice in a view or
 * forget its lock. It is about the node's last finalized index alone: every vote and finalization
 * names it as their parent.
 *
 * Views are clocks: a sequencer whose clock is behind its predecessor's has its votes on the
 * same parent refused ("Already voted") until its clock passes the views voted in before, at most
 * the 10 s a view may be ahead of a voter's clock.
 */
export class FinalizationTimes {
  readonly #states = new Map<string, AppState>()
  readonly #save: Database.Statement

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS finalization_times (
      app TEXT PRIMARY KEY, parent INTEGER NOT NULL, voted_view INTEGER NOT NULL, locked TEXT)`)
    this.#save = db.prepare(
      `INSERT INTO finalization_times (app, parent, voted_view, locked) VALUES (?, ?, ?, ?)
       ON CONFLICT (app) DO UPDATE SET parent = excluded.parent,
         voted_view = excluded.voted_view, locked = excluded.locked`,
    )
    for (const row of db.prepare('SELECT * FROM finalization_times').all() as Row[]) {
      const locked = row.locked === null ? undefined : (JSON.parse(row.locked) as TimeLock)
      this.#states.set(row.app, {
        parent: row.parent,
        votedView: row.voted_view,
        locked,
        known: locked,
      })
    }
  }

  /**
   * Records this node's vote on `vote`, or throws why it may not cast it. `justification` is a
   * verified time lock on the same parent that the proposer sends for a value it proposes again.
   * Stored before the signature leaves: the caller signs only after this returns.
   */
  vote(app: string, vote: FinalizationVote, justification: TimeLock | undefined): void {
    const state = this.#stateOn(app, vote.parent_index)
    if (vote.view <= state.votedView) {
      throw new FinalizationTimeRefusal(`Already voted in view ${state.votedView} or later.`)
    }
    const { locked } = state
    if (locked && !sameValue(locked, vote)) {
      const unlocks =
        justification !== undefined &&
        sameValue(justification, vote) &&
        justification.view > locked.view &&
        justification.view < vote.view
      if (!unlocks) {
        throw new FinalizationTimeRefusal('Locked on another finalization of this parent.', locked)
      }
    }
    if (justification) this.learn(app, justification)
    this.#store(app, { ...state, votedView: vote.view })
  }

  /**
   * Records that this node signs the finalization `lock` proves (verified by the caller), or
   * throws why it may not: it is locked on another value from a view as late or later.
   */
  finalize(app: string, lock: TimeLock): void {
    const state = this.#stateOn(app, lock.parent_index)
    const { locked } = state
    if (locked && !sameValue(locked, lock) && lock.view <= locked.view) {
      throw new FinalizationTimeRefusal('Locked on another finalization of this parent.', locked)
    }
    this.learn(app, lock)
    if (locked && locked.view >= lock.view) return
    this.#store(app, { ...state, locked: lock })
  }

  /** A verified time lock seen: proposed again (`proposal`) if it is the highest on its parent. */
  learn(app: string, lock: TimeLock): void {
    const state = this.#states.get(app)
    if (state && state.parent > lock.parent_index) return
    const current = this.#stateOn(app, lock.parent_index)
    if (!current.known || current.known.view < lock.view) current.known = lock
  }

  /** The view this node is to propose in on `parent`: now, or past its own last vote there. */
  nextView(app: string, parent: number, nowMs: number): number {
    const state = this.#states.get(app)
    return state?.parent === parent ? Math.max(nowMs, state.votedView + 1) : nowMs
  }

  /** The highest-view time lock this node knows on `parent`: a value to finalize there. */
  proposal(app: string, parent: number): TimeLock | undefined {
    const state = this.#states.get(app)
    return state?.parent === parent ? state.known : undefined
  }

  /** The state about `parent`, started afresh (in memory) when the stored one is older. */
  #stateOn(app: string, parent: number): AppState {
    const state = this.#states.get(app)
    if (state && state.parent > parent) {
      throw new FinalizationTimeRefusal(`Parent ${parent} is older than ${state.parent}.`)
    }
    if (state?.parent === parent) return state
    const fresh: AppState = { parent, votedView: -1, locked: undefined, known: undefined }
    this.#states.set(app, fresh)
    return fresh
  }

  #store(app: string, state: AppState): void {
    const locked = state.locked === undefined ? null : JSON.stringify(state.locked)
    this.#save.run(app, state.parent, state.votedView, locked)
    this.#states.set(app, state)
  }
}
