-- phase: expand
-- covers: G-FK-DROP
-- expect: warn
-- rules: G-FK-DROP
ALTER TABLE orders DROP FOREIGN KEY orders_customer_fk;
