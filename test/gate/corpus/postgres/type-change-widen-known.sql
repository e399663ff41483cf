-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, note varchar(50), amount numeric(10,2));
-- covers: G-TYPE-CHANGE
-- expect: pass
-- rules: 
ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(14,2);
