-- phase: contract
-- covers: G-SET-NOT-NULL, G-ADD-CHECK
-- expect: pass
-- rules: 
ALTER TABLE orders ADD CONSTRAINT orders_region_nn CHECK (region IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_region_nn;
ALTER TABLE orders ALTER COLUMN region SET NOT NULL;
