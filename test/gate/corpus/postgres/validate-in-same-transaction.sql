-- phase: contract
-- covers: G-ADD-CHECK, G-LONG-TX
-- expect: fail
-- rules: G-ADD-CHECK, G-LONG-TX
BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_qty_positive CHECK (quantity > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_qty_positive;
COMMIT;
