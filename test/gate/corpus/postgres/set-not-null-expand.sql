-- phase: expand
-- covers: G-SET-NOT-NULL
-- expect: fail
-- rules: G-SET-NOT-NULL
ALTER TABLE orders ALTER COLUMN region SET NOT NULL;
