-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, note varchar(50));
-- covers: G-TYPE-CHANGE
-- expect: fail
-- rules: G-TYPE-CHANGE
ALTER TABLE orders ALTER COLUMN note TYPE varchar(10);
