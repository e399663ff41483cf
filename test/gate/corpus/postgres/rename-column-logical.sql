-- phase: expand
-- replication: logical
-- covers: G-RENAME-COLUMN, G-BG-GREEN-DDL
-- expect: fail
-- rules: G-RENAME-COLUMN, G-BG-GREEN-DDL, G-BG-BLUE-DDL
ALTER TABLE orders RENAME COLUMN status TO order_state;
