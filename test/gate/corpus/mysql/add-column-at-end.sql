-- phase: expand
-- covers: G-COLUMN-POSITION, G-ADD-REQUIRED, G-ADD-DEFAULT-REWRITE, G-DROP-COLUMN
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20) NULL, ALGORITHM=INSTANT;
