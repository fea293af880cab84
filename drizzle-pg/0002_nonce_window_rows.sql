-- One row per signer's nonce window (its nonces ascending, space-separated) instead of one per
-- (signer, nonce), so a restart reads a row per signer rather than up to 100, and a batch
-- rewrites one row per signer it touched. The existing rows fold into their windows (decimal
-- text without leading zeros: numeric order is length, then text). Written by hand: the fill is
-- SQL drizzle does not generate. Each commit rewrites the windows it changed in place, so pages
-- keep room for the new version beside the old one, as for balances (0001).
ALTER TABLE "nonce_windows" RENAME TO "nonce_windows_by_nonce";--> statement-breakpoint
CREATE TABLE "nonce_windows" (
	"signer" "bytea" PRIMARY KEY NOT NULL,
	"nonces" text NOT NULL
) WITH (fillfactor = 80);
--> statement-breakpoint
INSERT INTO "nonce_windows" SELECT "signer", string_agg("nonce", ' ' ORDER BY length("nonce"), "nonce") FROM "nonce_windows_by_nonce" GROUP BY "signer";--> statement-breakpoint
DROP TABLE "nonce_windows_by_nonce";
