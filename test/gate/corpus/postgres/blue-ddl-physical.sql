-- phase: expand
-- replication: physical
-- covers: G-BG-BLUE-DDL, G-BG-GREEN-DDL
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20);
