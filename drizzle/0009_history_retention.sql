-- Storage layout 10: receipts, trades (fills) and closed orders are history, pruned oldest first
-- past the replica's retention (REPLICA_HISTORY_RETAIN_BATCHES), a bounded number of rows per commit:
-- these indexes find the oldest rows without a scan.
CREATE INDEX `orders_closed` ON `orders` (`updated_index`) WHERE status != 'open';--> statement-breakpoint
CREATE INDEX `receipts_batch` ON `receipts` (`batch_index`);--> statement-breakpoint
CREATE INDEX `trades_batch` ON `trades` (`batch_index`);