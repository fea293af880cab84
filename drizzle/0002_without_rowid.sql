-- Storage layout 3: the two tables every transfer writes become WITHOUT ROWID, so a row is one
-- insert into its primary-key B-tree instead of a rowid-table append plus a primary-key index
-- insert, and the unused receipts_signer index goes. drizzle cannot declare WITHOUT ROWID, so
-- the rebuild below is written by hand; drizzle-kit generated only the DROP INDEX. Rows are kept.
DROP INDEX `receipts_signer`;--> statement-breakpoint
CREATE TABLE `receipts_new` (
	`intent_id` text PRIMARY KEY NOT NULL,
	`action` text NOT NULL,
	`signer` text NOT NULL,
	`nonce` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`batch_index` integer NOT NULL,
	`position` integer NOT NULL
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `receipts_new` SELECT `intent_id`, `action`, `signer`, `nonce`, `status`, `reason`, `batch_index`, `position` FROM `receipts`;--> statement-breakpoint
DROP TABLE `receipts`;--> statement-breakpoint
ALTER TABLE `receipts_new` RENAME TO `receipts`;--> statement-breakpoint
CREATE TABLE `balance_history_new` (
	`address` text NOT NULL,
	`token` text NOT NULL,
	`batch_index` integer NOT NULL,
	`available` text NOT NULL,
	`locked` text NOT NULL,
	PRIMARY KEY(`address`, `token`, `batch_index`)
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `balance_history_new` SELECT `address`, `token`, `batch_index`, `available`, `locked` FROM `balance_history`;--> statement-breakpoint
DROP TABLE `balance_history`;--> statement-breakpoint
ALTER TABLE `balance_history_new` RENAME TO `balance_history`;
