-- phase: contract
-- replication: logical
-- covers: G-DROP-COLUMN, G-BG-GREEN-DDL, G-BG-BLUE-DDL
-- expect: fail
-- rules: G-DROP-COLUMN, G-BG-GREEN-DDL, G-BG-BLUE-DDL
ALTER TABLE orders DROP COLUMN legacy_status;
