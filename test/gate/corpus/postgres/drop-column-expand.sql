-- phase: expand
-- covers: G-DROP-COLUMN
-- expect: fail
-- rules: G-DROP-COLUMN
ALTER TABLE orders DROP COLUMN legacy_status;
