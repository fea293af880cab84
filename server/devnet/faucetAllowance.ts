/** Parameters of `FaucetAllowance`. */
export interface FaucetAllowanceParameters {
  /** Grants each address may receive in any hour. */
  readonly grantsPerHour: number
  /**
   * Most addresses remembered (default 10,000); beyond it the one served longest ago is
   * forgotten. Minting to many addresses is what the per-IP limit bounds.
   */
  readonly addressesMax?: number
  /** Milliseconds; injected for tests. */
  readonly now?: () => number
}

const hourMs = 60 * 60_000

/**
 * How many faucet grants each address may still receive: at most `grantsPerHour` in any sliding
 * hour. Each grant is the launcher's fixed amount, so this caps the amount per address per hour.
 */
export class FaucetAllowance {
  /** Grant times per address within the last hour, oldest first, in recency order of use. */
  private readonly grants = new Map<string, number[]>()
  private readonly addressesMax: number
  private readonly now: () => number

  constructor(private readonly parameters: FaucetAllowanceParameters) {
    this.addressesMax = parameters.addressesMax ?? 10_000
    this.now = parameters.now ?? (() => Date.now())
  }

  /** Records a grant to `address`: 0 if it was allowed, else the milliseconds until it is. */
  take(address: string): number {
    const nowMs = this.now()
    const recent = (this.grants.get(address) ?? []).filter((atMs) => nowMs - atMs < hourMs)
    this.grants.delete(address)
    this.grants.set(address, recent)
    if (this.grants.size > this.addressesMax) {
      this.grants.delete(this.grants.keys().next().value as string)
    }
    if (recent.length >= this.parameters.grantsPerHour) return recent[0]! + hourMs - nowMs
    recent.push(nowMs)
    return 0
  }

  /** Gives back the latest grant of `address` (its mint failed). */
  refund(address: string): void {
    this.grants.get(address)?.pop()
  }
}
