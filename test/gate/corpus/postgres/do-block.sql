-- phase: expand
-- covers: G-RAW-SQL
-- expect: fail
-- rules: G-RAW-SQL
DO $$
BEGIN
  EXECUTE 'ALTER TABLE orders DROP COLUMN legacy_status';
END
$$;
