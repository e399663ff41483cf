-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, region varchar(8) NULL);
-- covers: G-SET-NOT-NULL
-- expect: fail
-- rules: G-SET-NOT-NULL
ALTER TABLE orders MODIFY COLUMN region varchar(8) NOT NULL;
