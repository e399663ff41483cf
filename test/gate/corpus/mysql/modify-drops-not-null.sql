-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, region varchar(8) NOT NULL);
-- covers: G-DROP-NOT-NULL
-- expect: warn
-- rules: G-DROP-NOT-NULL
ALTER TABLE orders MODIFY COLUMN region varchar(8);
