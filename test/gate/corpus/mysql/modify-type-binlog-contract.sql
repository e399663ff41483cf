-- phase: contract
-- replication: binlog
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, quantity int NOT NULL);
-- covers: G-TYPE-CHANGE, G-BG-GREEN-DDL
-- expect: fail
-- rules: G-TYPE-CHANGE, G-BG-GREEN-DDL
ALTER TABLE orders MODIFY COLUMN quantity bigint NOT NULL;
