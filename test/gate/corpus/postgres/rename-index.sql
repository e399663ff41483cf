-- phase: expand
-- covers: G-RENAME-OTHER, G-RENAME-TABLE
-- expect: pass
-- rules: 
ALTER INDEX orders_status_idx RENAME TO orders_state_idx;
