-- The book's best levels read in price order from an index, stopping after the levels asked
-- for, instead of grouping every open order of the market side on each read.
CREATE INDEX "orders_book" ON "orders" USING btree ("market","side",("price"::numeric)) WHERE status = 'open';