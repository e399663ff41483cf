-- phase: expand
-- covers: G-TYPE-CHANGE
-- expect: fail
-- rules: G-TYPE-CHANGE
ALTER TABLE orders MODIFY COLUMN note varchar(60) NULL;
