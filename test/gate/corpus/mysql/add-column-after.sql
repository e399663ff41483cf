-- phase: expand
-- covers: G-COLUMN-POSITION
-- expect: warn
-- rules: G-COLUMN-POSITION
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20) NULL AFTER status;
