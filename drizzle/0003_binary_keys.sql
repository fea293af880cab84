-- Storage layout 4: the keys of the two tables every transfer writes become raw bytes (BLOB):
-- addresses 20 bytes instead of 42 characters, intent ids 32 instead of 66. Smaller rows mean
-- fewer B-tree pages to split and write per commit. The tables stay WITHOUT ROWID, which drizzle
-- cannot declare, so the rebuild is written by hand (drizzle-kit generated the same rebuild
-- without it). Rows are kept: '0x…' hex text becomes its bytes.
CREATE TABLE `balance_history_new` (
	`address` blob NOT NULL,
	`token` text NOT NULL,
	`batch_index` integer NOT NULL,
	`available` text NOT NULL,
	`locked` text NOT NULL,
	PRIMARY KEY(`address`, `token`, `batch_index`)
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `balance_history_new` SELECT unhex(substr(`address`, 3)), `token`, `batch_index`, `available`, `locked` FROM `balance_history`;--> statement-breakpoint
DROP TABLE `balance_history`;--> statement-breakpoint
ALTER TABLE `balance_history_new` RENAME TO `balance_history`;--> statement-breakpoint
CREATE TABLE `receipts_new` (
	`intent_id` blob PRIMARY KEY NOT NULL,
	`action` text NOT NULL,
	`signer` blob NOT NULL,
	`nonce` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`batch_index` integer NOT NULL,
	`position` integer NOT NULL
) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `receipts_new` SELECT unhex(substr(`intent_id`, 3)), `action`, unhex(substr(`signer`, 3)), `nonce`, `status`, `reason`, `batch_index`, `position` FROM `receipts`;--> statement-breakpoint
DROP TABLE `receipts`;--> statement-breakpoint
ALTER TABLE `receipts_new` RENAME TO `receipts`;
