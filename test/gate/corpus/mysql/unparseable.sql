-- phase: expand
-- covers: G-RAW-SQL
-- expect: fail
-- rules: G-RAW-SQL
ALTER TABLE orders ADD COLUMN region varchar(8) NULL;
ALTER TABLE orders FROBNICATE region;
