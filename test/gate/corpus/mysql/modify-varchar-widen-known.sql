-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, note varchar(40) NULL, comment varchar(100) NOT NULL);
-- covers: G-TYPE-CHANGE, G-DROP-NOT-NULL, G-SET-NOT-NULL
-- expect: pass
-- rules: 
ALTER TABLE orders MODIFY COLUMN note varchar(60) NULL;
ALTER TABLE orders MODIFY COLUMN comment varchar(500) NOT NULL;
