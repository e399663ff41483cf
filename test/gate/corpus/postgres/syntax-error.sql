-- phase: contract
-- covers: G-RAW-SQL
-- expect: fail
-- rules: G-RAW-SQL
ALTER TABLE orders ADD COLUMN region text;
ALTER TABLE orders DROPP COLUMN legacy_status;
