-- phase: contract
-- covers: G-DROP-NOT-NULL
-- expect: warn
-- rules: G-DROP-NOT-NULL
ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;
