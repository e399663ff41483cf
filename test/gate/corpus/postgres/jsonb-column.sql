-- phase: expand
-- covers: G-JSON
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN metadata jsonb;
