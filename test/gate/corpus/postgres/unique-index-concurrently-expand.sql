-- phase: expand
-- covers: G-ADD-UNIQUE
-- expect: fail
-- rules: G-ADD-UNIQUE
CREATE UNIQUE INDEX CONCURRENTLY orders_ref_key ON orders (external_ref);
