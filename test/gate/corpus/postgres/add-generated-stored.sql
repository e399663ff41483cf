-- phase: expand
-- covers: G-ADD-DEFAULT-REWRITE
-- expect: fail
-- rules: G-ADD-DEFAULT-REWRITE
ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (quantity * price) STORED;
