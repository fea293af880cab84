-- Storage layout 14: the state tree has 2^18 buckets (state hash v3), chosen by the first 18 bits
-- of sha256(key) instead of 16, so the buckets kept beside each row (migration 0012) are of the
-- old tree. SQLite cannot hash, so they are forgotten: a restart hashes such a row's leaf from
-- its value, as for rows from before 0012, and the next write of the row keeps its new leaf.
UPDATE `balances` SET `leaf_bucket` = NULL, `leaf_digest` = NULL;--> statement-breakpoint
UPDATE `nonce_windows` SET `leaf_bucket` = NULL, `leaf_digest` = NULL;
