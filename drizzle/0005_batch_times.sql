-- Storage layout 6: each applied batch's deterministic time (ms since the Unix epoch: the
-- later of the previous batch's time and the quorum-signed timestamp of the Zellular
-- finalization that released it), kept with its chaining hash, on its trades, and in `meta`
-- for the applied batch. Times of batches applied before this migration are not known: they
-- stay NULL, and the applied time starts from 0 (the next batch with a sync-point time sets it).
ALTER TABLE `chaining_hashes` ADD `time` integer;--> statement-breakpoint
ALTER TABLE `trades` ADD `time` integer;
