-- phase: expand
-- covers: G-JSON
-- expect: fail
-- rules: G-JSON
ALTER TABLE orders ADD COLUMN metadata json;
