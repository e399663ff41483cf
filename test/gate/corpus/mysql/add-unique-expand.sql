-- phase: expand
-- covers: G-ADD-UNIQUE
-- expect: fail
-- rules: G-ADD-UNIQUE
ALTER TABLE orders ADD UNIQUE KEY orders_ref_key (external_ref);
