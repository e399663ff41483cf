-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, status varchar(20) NULL);
-- covers: G-RENAME-COLUMN
-- expect: fail
-- rules: G-RENAME-COLUMN
ALTER TABLE orders CHANGE COLUMN status order_state varchar(20) NULL;
