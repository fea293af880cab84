/**
 * Test-only sequencer misbehaviour, off unless `faults` is set in the config (env
 * `ZSEQUENCER_FAULTS`), so failover can be tested against a real misbehaving process:
 * - `censor=<node id>`: as sequencer, silently drop that node's batches, and the same bodies when
 *   another node relays them (censoring the transactions, not just one route for them);
 * - `stop-finalizing`: as sequencer, keep sequencing but never lock or finalize.
 */
export class Faults {
  readonly censored: ReadonlySet<string>
  readonly stopFinalizing: boolean

  constructor(spec: string) {
    const parts = spec
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
    this.censored = new Set(
      parts.filter((part) => part.startsWith('censor=')).map((part) => part.slice(7).toLowerCase()),
    )
    this.stopFinalizing = parts.includes('stop-finalizing')
    const known = parts.every((part) => part.startsWith('censor=') || part === 'stop-finalizing')
    if (!known) throw new Error(`unknown fault in "${spec}"`)
  }

  get enabled(): boolean {
    return this.censored.size > 0 || this.stopFinalizing
  }

  private readonly banned = new Set<string>()

  /** The bodies a censoring sequencer accepts from `signer`. */
  filterFrom(signer: string, bodies: readonly string[]): readonly string[] {
    if (this.censored.size === 0) return bodies
    if (this.censored.has(signer)) {
      for (const body of bodies) this.banned.add(body)
      return []
    }
    return bodies.filter((body) => !this.banned.has(body))
  }
}
