-- phase: contract
-- covers: G-ADD-CHECK
-- expect: pass
-- rules: 
ALTER TABLE orders ADD CONSTRAINT orders_qty_positive CHECK (quantity > 0) NOT VALID;
