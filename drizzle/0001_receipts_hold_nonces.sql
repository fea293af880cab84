-- Storage layout 2: a balance's current value is its newest balance_history row, and each
-- receipt holds its nonce (the replay guard), which halves the rows written per transfer.
-- Existing state is discarded: the replica replays the Zellular sequence from index 0.
DROP TABLE `balances`;--> statement-breakpoint
DROP TABLE `nonces`;--> statement-breakpoint
DROP TABLE `receipts`;--> statement-breakpoint
CREATE TABLE `receipts` (
	`intent_id` text PRIMARY KEY NOT NULL,
	`action` text NOT NULL,
	`signer` text NOT NULL,
	`nonce` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`batch_index` integer NOT NULL,
	`position` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `receipts_signer` ON `receipts` (`signer`,`batch_index`);--> statement-breakpoint
DELETE FROM `balance_history`;--> statement-breakpoint
DELETE FROM `engine_operations`;--> statement-breakpoint
DELETE FROM `orders`;--> statement-breakpoint
DELETE FROM `trades`;--> statement-breakpoint
DELETE FROM `meta`;
