-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, note varchar(40) NULL);
-- covers: G-TYPE-CHANGE
-- expect: fail
-- rules: G-TYPE-CHANGE
ALTER TABLE orders MODIFY COLUMN note varchar(100) NULL;
