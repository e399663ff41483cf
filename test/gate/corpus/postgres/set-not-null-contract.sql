-- phase: contract
-- covers: G-SET-NOT-NULL
-- expect: warn
-- rules: G-SET-NOT-NULL
ALTER TABLE orders ALTER COLUMN region SET NOT NULL;
