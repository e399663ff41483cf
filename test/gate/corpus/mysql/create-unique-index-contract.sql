-- phase: contract
-- covers: G-ADD-UNIQUE
-- expect: warn
-- rules: G-ADD-UNIQUE
CREATE UNIQUE INDEX orders_ref_key ON orders (external_ref);
