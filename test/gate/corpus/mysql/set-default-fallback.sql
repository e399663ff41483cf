-- phase: expand
-- covers: G-RAW-SQL
-- expect: pass
-- rules: 
ALTER TABLE orders ALTER COLUMN region SET DEFAULT 'eu';
