-- phase: expand
-- covers: G-FK-DROP, G-INDEX-BLOCKING
-- expect: pass
-- rules: 
ALTER TABLE orders DROP INDEX orders_status_idx;
