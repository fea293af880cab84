-- The state tree has 2^18 buckets (state hash v3), chosen by the first 18 bits of sha256(key)
-- instead of 16, so the buckets kept beside each row (0005) are of the old tree: forgotten, as
-- in SQLite's migration 0013. A restart hashes such a row's leaf from its value, and the next
-- write of the row keeps its new leaf.
UPDATE "balances" SET "leaf_bucket" = NULL, "leaf_digest" = NULL;--> statement-breakpoint
UPDATE "nonce_windows" SET "leaf_bucket" = NULL, "leaf_digest" = NULL;
