-- phase: contract
-- covers: G-RENAME-COLUMN
-- expect: fail
-- rules: G-RENAME-COLUMN
ALTER TABLE orders RENAME COLUMN status TO order_state;
