-- Balances at past indexes are history too, pruned past the retention oldest batch first, a
-- bounded number of rows per commit: this index finds the oldest rows without a scan.
CREATE INDEX "balance_history_batch" ON "balance_history" USING btree ("batch_index");