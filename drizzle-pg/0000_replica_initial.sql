CREATE TABLE "balance_history" (
	"address" "bytea" NOT NULL,
	"token" text NOT NULL,
	"batch_index" bigint NOT NULL,
	"available" text NOT NULL,
	"locked" text NOT NULL,
	CONSTRAINT "balance_history_address_token_batch_index_pk" PRIMARY KEY("address","token","batch_index")
);
--> statement-breakpoint
CREATE TABLE "balances" (
	"address" "bytea" NOT NULL,
	"token" text NOT NULL,
	"available" text NOT NULL,
	"locked" text NOT NULL,
	CONSTRAINT "balances_address_token_pk" PRIMARY KEY("address","token")
);
--> statement-breakpoint
CREATE TABLE "chaining_hashes" (
	"batch_index" bigint PRIMARY KEY NOT NULL,
	"chaining_hash" text NOT NULL,
	"time" bigint
);
--> statement-breakpoint
CREATE TABLE "market_state" (
	"market" text PRIMARY KEY NOT NULL,
	"trade_seq" bigint NOT NULL,
	"book_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nonce_windows" (
	"signer" "bytea" NOT NULL,
	"nonce" text NOT NULL,
	CONSTRAINT "nonce_windows_signer_nonce_pk" PRIMARY KEY("signer","nonce")
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"order_id" text PRIMARY KEY NOT NULL,
	"market" text NOT NULL,
	"owner" text NOT NULL,
	"side" text NOT NULL,
	"type" text NOT NULL,
	"time_in_force" text NOT NULL,
	"price" text NOT NULL,
	"quantity" text NOT NULL,
	"filled" text NOT NULL,
	"remaining" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"placed_index" bigint NOT NULL,
	"placed_position" integer NOT NULL,
	"updated_index" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "receipts" (
	"intent_id" "bytea" PRIMARY KEY NOT NULL,
	"action" text NOT NULL,
	"signer" "bytea" NOT NULL,
	"nonce" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"batch_index" bigint NOT NULL,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trades" (
	"market" text NOT NULL,
	"seq" bigint NOT NULL,
	"price" text NOT NULL,
	"quantity" text NOT NULL,
	"taker_side" text NOT NULL,
	"maker_order_id" text NOT NULL,
	"taker_order_id" text NOT NULL,
	"maker" text NOT NULL,
	"taker" text NOT NULL,
	"batch_index" bigint NOT NULL,
	"time" bigint,
	CONSTRAINT "trades_market_seq_pk" PRIMARY KEY("market","seq")
);
--> statement-breakpoint
CREATE INDEX "orders_owner" ON "orders" USING btree ("owner","updated_index");--> statement-breakpoint
CREATE INDEX "orders_open" ON "orders" USING btree ("placed_index","placed_position") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "orders_closed" ON "orders" USING btree ("updated_index") WHERE status != 'open';--> statement-breakpoint
CREATE INDEX "receipts_batch" ON "receipts" USING btree ("batch_index");--> statement-breakpoint
CREATE INDEX "trades_maker_order" ON "trades" USING btree ("maker_order_id","seq");--> statement-breakpoint
CREATE INDEX "trades_taker_order" ON "trades" USING btree ("taker_order_id","seq");--> statement-breakpoint
CREATE INDEX "trades_batch" ON "trades" USING btree ("batch_index");