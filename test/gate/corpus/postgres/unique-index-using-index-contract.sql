-- phase: contract
-- covers: G-ADD-UNIQUE
-- expect: warn
-- rules: G-ADD-UNIQUE
CREATE UNIQUE INDEX CONCURRENTLY orders_ref_key ON orders (external_ref);
ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_key;
