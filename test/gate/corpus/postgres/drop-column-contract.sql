-- phase: contract
-- covers: G-DROP-COLUMN
-- expect: warn
-- rules: G-DROP-COLUMN
ALTER TABLE orders DROP COLUMN legacy_status;
