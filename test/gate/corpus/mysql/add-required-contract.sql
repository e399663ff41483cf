-- phase: contract
-- covers: G-ADD-REQUIRED
-- expect: warn
-- rules: G-ADD-REQUIRED
ALTER TABLE orders ADD COLUMN region varchar(8) NOT NULL;
