-- phase: expand
-- replication: logical
-- covers: G-BG-BLUE-DDL, G-BG-GREEN-DDL
-- expect: warn
-- rules: G-BG-BLUE-DDL
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20);
CREATE INDEX CONCURRENTLY orders_state_idx ON orders (order_state_v2);
