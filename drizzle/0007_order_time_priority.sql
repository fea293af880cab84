ALTER TABLE `orders` ADD `placed_position` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Written by hand: an order's position in its batch is its receipt's (every placed order has one).
UPDATE `orders` SET `placed_position` = COALESCE(
  (SELECT `position` FROM `receipts` WHERE `intent_id` = unhex(substr(`orders`.`order_id`, 3))), 0);
