/**
 * The least a batch costs in a node's budgets and page cap. A node's work per batch (a chain
 * hash, a record, a place in each queue) does not shrink with its body: counted by bytes alone,
 * a million empty batches cost nothing and took a sequencer a minute to sequence. Batches of
 * signed intents are larger.
 */
export const BATCH_COST_MIN_BYTES = 256

/**
 * Most batches a page of `capBytes` holds: each costs at least `BATCH_COST_MIN_BYTES`, and a
 * page always carries its first batch, whatever it costs. A page of more is no honest node's of
 * ours, and is refused before any of it is hashed (a node reading a peer, the SDK reading a
 * node): 32 MB would hold ~11 million empty batches, ~19 s of chaining hashes alone. A
 * zsequencer page, cut by bytes alone, holds more only when its batches average under
 * `BATCH_COST_MIN_BYTES`.
 */
export function pageBatchLimit(capBytes: number): number {
  return Math.floor(capBytes / BATCH_COST_MIN_BYTES) + 1
}
