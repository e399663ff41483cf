-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, quantity int NOT NULL);
-- covers: G-TYPE-CHANGE
-- expect: fail
-- rules: G-TYPE-CHANGE
ALTER TABLE orders MODIFY COLUMN quantity bigint NOT NULL;
