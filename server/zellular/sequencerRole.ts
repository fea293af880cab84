/** Who the sequencer is, as every part of a node may read it. */
export interface RoleView {
  readonly sequencerId: string
  readonly isSequencer: boolean
  /** True while a sequencer switch is in progress: client routes answer 503, loops idle. */
  readonly paused: boolean
}

/**
 * The sequencer this node follows, and whether a switch is under way. Only the switcher
 * (`sequencerSwitch.ts`) holds this class; everyone else gets it as a read-only `RoleView`.
 */
export class SequencerRole implements RoleView {
  #sequencerId: string
  #paused = false

  constructor(
    private readonly selfId: string,
    initialSequencerId: string,
    /** Told after the sequencer changed or a switch ended (a loop may have work again). */
    private readonly changed: () => void = () => {},
  ) {
    this.#sequencerId = initialSequencerId
  }

  get sequencerId(): string {
    return this.#sequencerId
  }

  get isSequencer(): boolean {
    return this.#sequencerId === this.selfId
  }

  get paused(): boolean {
    return this.#paused
  }

  follow(sequencerId: string): void {
    if (sequencerId === this.#sequencerId) return
    this.#sequencerId = sequencerId
    this.changed()
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
    this.changed()
  }
}
