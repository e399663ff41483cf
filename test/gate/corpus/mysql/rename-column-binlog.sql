-- phase: contract
-- replication: binlog
-- covers: G-RENAME-COLUMN, G-BG-GREEN-DDL
-- expect: fail
-- rules: G-RENAME-COLUMN, G-BG-GREEN-DDL
ALTER TABLE orders RENAME COLUMN status TO order_state;
