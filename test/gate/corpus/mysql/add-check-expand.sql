-- phase: expand
-- covers: G-ADD-CHECK
-- expect: fail
-- rules: G-ADD-CHECK
ALTER TABLE orders ADD CONSTRAINT orders_qty_positive CHECK (quantity > 0);
