CREATE TABLE `balance_history` (
	`address` text NOT NULL,
	`token` text NOT NULL,
	`batch_index` integer NOT NULL,
	`available` text NOT NULL,
	`locked` text NOT NULL,
	PRIMARY KEY(`address`, `token`, `batch_index`)
);
--> statement-breakpoint
CREATE TABLE `balances` (
	`address` text NOT NULL,
	`token` text NOT NULL,
	`available` text NOT NULL,
	`locked` text NOT NULL,
	`updated_index` integer NOT NULL,
	PRIMARY KEY(`address`, `token`)
);
--> statement-breakpoint
CREATE TABLE `engine_operations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_index` integer NOT NULL,
	`operation` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `nonces` (
	`signer` text NOT NULL,
	`nonce` text NOT NULL,
	`batch_index` integer NOT NULL,
	PRIMARY KEY(`signer`, `nonce`)
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`order_id` text PRIMARY KEY NOT NULL,
	`market` text NOT NULL,
	`owner` text NOT NULL,
	`side` text NOT NULL,
	`type` text NOT NULL,
	`time_in_force` text NOT NULL,
	`price` text NOT NULL,
	`quantity` text NOT NULL,
	`filled` text NOT NULL,
	`remaining` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`placed_index` integer NOT NULL,
	`updated_index` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `orders_owner` ON `orders` (`owner`,`updated_index`);--> statement-breakpoint
CREATE INDEX `orders_status` ON `orders` (`status`);--> statement-breakpoint
CREATE TABLE `receipts` (
	`intent_id` text PRIMARY KEY NOT NULL,
	`action` text NOT NULL,
	`signer` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`batch_index` integer NOT NULL,
	`position` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `receipts_signer` ON `receipts` (`signer`,`batch_index`);--> statement-breakpoint
CREATE TABLE `trades` (
	`market` text NOT NULL,
	`seq` integer NOT NULL,
	`price` text NOT NULL,
	`quantity` text NOT NULL,
	`taker_side` text NOT NULL,
	`maker_order_id` text NOT NULL,
	`taker_order_id` text NOT NULL,
	`maker` text NOT NULL,
	`taker` text NOT NULL,
	`batch_index` integer NOT NULL,
	PRIMARY KEY(`market`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `trades_maker_order` ON `trades` (`maker_order_id`);--> statement-breakpoint
CREATE INDEX `trades_taker_order` ON `trades` (`taker_order_id`);