-- phase: expand
-- replication: binlog
-- covers: G-COLUMN-POSITION, G-BG-GREEN-DDL
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20) NULL;
