-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, note varchar(40) NULL);
-- covers: G-RENAME-COLUMN, G-TYPE-CHANGE
-- expect: pass
-- rules:
ALTER TABLE orders CHANGE COLUMN note note varchar(40) NULL;
