-- phase: contract
-- covers: G-ADD-REQUIRED
-- expect: fail
-- rules: G-ADD-REQUIRED
ALTER TABLE orders ADD COLUMN region text NOT NULL;
