-- phase: contract
-- covers: G-ADD-DEFAULT-REWRITE
-- expect: fail
-- rules: G-ADD-DEFAULT-REWRITE
ALTER TABLE orders ADD COLUMN seq bigserial;
