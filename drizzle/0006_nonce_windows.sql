-- Storage layout 7: replay protection keeps, per signer, only the 100 highest used nonces
-- (shared/ledger/nonceWindow.ts), in their own table, instead of deriving every nonce ever
-- used from the receipts at each restart. Existing nonce sets collapse to the new window: each
-- signer keeps its 100 highest nonces (decimal text without leading zeros: numeric order is
-- length, then text). WITHOUT ROWID, which drizzle cannot declare, so this is written by hand.
CREATE TABLE `nonce_windows` (
	`signer` blob NOT NULL,
	`nonce` text NOT NULL,
	PRIMARY KEY(`signer`, `nonce`)
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `nonce_windows` SELECT `signer`, `nonce` FROM (SELECT `signer`, `nonce`, ROW_NUMBER() OVER (PARTITION BY `signer` ORDER BY length(`nonce`) DESC, `nonce` DESC) AS `rank` FROM `receipts`) WHERE `rank` <= 100;
