-- Storage layout 11: one row per signer's nonce window (its nonces ascending, space-separated)
-- instead of one per (signer, nonce), so a restart reads a row per signer rather than up to 100,
-- and a batch rewrites one row per signer it touched. The rows of 0006 fold into their windows
-- (decimal text without leading zeros: numeric order is length, then text). Written by hand: the
-- fill is SQL drizzle does not generate.
ALTER TABLE `nonce_windows` RENAME TO `nonce_windows_by_nonce`;--> statement-breakpoint
CREATE TABLE `nonce_windows` (
	`signer` blob PRIMARY KEY NOT NULL,
	`nonces` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `nonce_windows` SELECT `signer`, group_concat(`nonce`, ' ' ORDER BY length(`nonce`), `nonce`) FROM `nonce_windows_by_nonce` GROUP BY `signer`;--> statement-breakpoint
DROP TABLE `nonce_windows_by_nonce`;
