-- Storage layout 5: Zellular's chaining hash of every applied batch, so that a balance signed as
-- of a past index can name the history it comes from. Past hashes of an existing database are
-- not known: it keeps index 0 ("") and the index applied at the upgrade (from `meta`); a
-- balance at an index in between cannot be signed.
CREATE TABLE `chaining_hashes` (
	`batch_index` integer PRIMARY KEY NOT NULL,
	`chaining_hash` text NOT NULL
);--> statement-breakpoint
INSERT INTO `chaining_hashes` SELECT 0, '' WHERE EXISTS (SELECT 1 FROM `meta` WHERE `key` = 'genesis_hash');--> statement-breakpoint
INSERT OR IGNORE INTO `chaining_hashes` SELECT CAST(`i`.`value` AS INTEGER), `h`.`value` FROM `meta` `i`, `meta` `h` WHERE `i`.`key` = 'applied_index' AND `h`.`key` = 'applied_chaining_hash';
