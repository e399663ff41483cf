-- phase: expand
-- covers: G-TYPE-CHANGE
-- expect: fail
-- rules: G-TYPE-CHANGE
ALTER TABLE orders ALTER COLUMN note TYPE text;
