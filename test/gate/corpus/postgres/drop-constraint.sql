-- phase: expand
-- covers: G-FK-DROP
-- expect: warn
-- rules: G-FK-DROP
ALTER TABLE orders DROP CONSTRAINT orders_customer_fk;
