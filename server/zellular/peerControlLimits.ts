import { ZsequencerHttpError } from './httpErrors.ts'
import { PeerSuspicion } from './peerSuspicion.ts'
import { SlidingWindowLimiter } from './rateLimiter.ts'

/**
 * Disputes one peer may send a second. Each one this node approves costs it a BLS signature,
 * and each censored sample a probe; an honest node sends one a posting round while it disputes.
 */
const DISPUTES_PER_SECOND = 20

/**
 * Switch requests one peer may send in `SWITCH_WINDOW_MS`. Each costs a pairing check; an honest
 * node sends one after each dispute it wins, and a switch takes seconds.
 */
const SWITCHES_PER_WINDOW = 3
const SWITCH_WINDOW_MS = 10_000

/**
 * Per-peer limits on the node-to-node requests whose work this node does whoever sends them
 * (`POST /node/dispute`, `POST /node/switch`), charged once a request's MAC verified (its signer
 * sent it) and before any BLS work. A peer whose switch request carried a proof that does not
 * verify is proven faulty (an honest node sends only proofs it checked): its switch requests are
 * refused for a minute at no cost. Keys are operators, so every map is bounded by the network.
 */
export class PeerControlLimits {
  readonly #disputes: SlidingWindowLimiter
  readonly #switches: SlidingWindowLimiter
  readonly #forgers = new PeerSuspicion()

  constructor(private readonly now: () => number) {
    this.#disputes = new SlidingWindowLimiter(DISPUTES_PER_SECOND, 1_000, now)
    this.#switches = new SlidingWindowLimiter(SWITCHES_PER_WINDOW, SWITCH_WINDOW_MS, now)
  }

  /** Counts a dispute from `signer`, or throws 429 past its rate. */
  chargeDispute(signer: string): void {
    if (!this.#disputes.tryCharge(signer, 1)) {
      throw new ZsequencerHttpError('BatchesLimitExceededError', 'Too many disputes.')
    }
  }

  /** Counts a switch request from `signer`, or throws: 403 while it is convicted, 429 past its rate. */
  chargeSwitch(signer: string): void {
    if (this.#forgers.isSuspected(signer, this.now())) {
      const message = 'A switch proof from this node did not verify.'
      throw new ZsequencerHttpError('PermissionDeniedError', message)
    }
    if (!this.#switches.tryCharge(signer, 1)) {
      throw new ZsequencerHttpError('BatchesLimitExceededError', 'Too many switch requests.')
    }
  }

  /** `signer` sent a switch proof that does not verify. */
  convict(signer: string): void {
    this.#forgers.convict(signer, this.now())
  }
}
