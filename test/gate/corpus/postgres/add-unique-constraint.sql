-- phase: contract
-- covers: G-ADD-UNIQUE
-- expect: fail
-- rules: G-ADD-UNIQUE
ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (external_ref);
