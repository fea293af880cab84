-- Written by hand (drizzle cannot declare storage parameters). Every commit rewrites rows of meta
-- and market_state, and the balances it changed, in place: room left free on each page lets
-- PostgreSQL write the new version beside the old one (a heap-only tuple) without a new entry in
-- the primary key's index, and vacuum reclaim the old one page by page.
ALTER TABLE "meta" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "market_state" SET (fillfactor = 50);--> statement-breakpoint
ALTER TABLE "balances" SET (fillfactor = 80);
