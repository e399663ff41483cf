-- phase: expand
-- replication: binlog
-- covers: G-COLUMN-POSITION
-- expect: fail
-- rules: G-COLUMN-POSITION
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20) NULL FIRST;
