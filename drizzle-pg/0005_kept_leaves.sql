-- Each current balance and nonce window keeps its state-tree leaf (bucket and
-- digest) beside its value, written in the same statement, so a restart rebuilds the state tree
-- without hashing every value again. Rows from before stay NULL until they change; a restart
-- hashes those from their values.
ALTER TABLE "balances" ADD COLUMN "leaf_bucket" integer;--> statement-breakpoint
ALTER TABLE "balances" ADD COLUMN "leaf_digest" "bytea";--> statement-breakpoint
ALTER TABLE "nonce_windows" ADD COLUMN "leaf_bucket" integer;--> statement-breakpoint
ALTER TABLE "nonce_windows" ADD COLUMN "leaf_digest" "bytea";