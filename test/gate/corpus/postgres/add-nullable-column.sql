-- phase: expand
-- covers: G-DROP-COLUMN, G-ADD-REQUIRED, G-ADD-DEFAULT-REWRITE, G-JSON, G-FK-DROP, G-TYPE-CHANGE
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20);
