-- Storage layout 9: the consensus state that a restart reads lives in its own tables, updated in
-- each batch's commit, so a restart costs the live state, not the history: `balances` (current,
-- non-zero; filled from the newest balance_history row of each key) and `market_state` (trade
-- count and book sequence number per market; book_seq is learned by the first start, which
-- replays engine_operations once). WITHOUT ROWID and the fills are written by hand.
CREATE TABLE `balances` (
	`address` blob NOT NULL,
	`token` text NOT NULL,
	`available` text NOT NULL,
	`locked` text NOT NULL,
	PRIMARY KEY(`address`, `token`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `market_state` (
	`market` text PRIMARY KEY NOT NULL,
	`trade_seq` integer NOT NULL,
	`book_seq` integer
);
--> statement-breakpoint
INSERT INTO `balances` SELECT `address`, `token`, `available`, `locked` FROM (SELECT `address`, `token`, `available`, `locked`, MAX(`batch_index`) FROM `balance_history` GROUP BY `address`, `token`) WHERE `available` != '0' OR `locked` != '0';
--> statement-breakpoint
INSERT INTO `market_state` SELECT `market`, MAX(`seq`), NULL FROM `trades` GROUP BY `market`;
