/**
 * Test-only sequencer misbehaviour, off unless `faults` is set in the config (env
 * `ZSEQUENCER_FAULTS`), so failover can be tested against a real misbehaving process:
 * - `censor=<node id>`: as sequencer, silently drop that node's batches;
 * - `stop-finalizing`: as sequencer, keep sequencing but never lock or finalize.
 */
export class Faults {
  readonly censored: ReadonlySet<string>
  readonly stopFinalizing: boolean

  constructor(spec: string) {
    const parts = spec.split(',').map((part) => part.trim()).filter(Boolean)
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

  /** The bodies a censoring sequencer accepts from `signer`. */
  filterFrom(signer: string, bodies: readonly string[]): readonly string[] {
    return this.censored.has(signer) ? [] : bodies
  }
}
