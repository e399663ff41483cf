-- phase: expand
-- replication: logical
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, note varchar(50));
-- covers: G-TYPE-CHANGE, G-BG-GREEN-DDL
-- expect: warn
-- rules: G-BG-BLUE-DDL
ALTER TABLE orders ALTER COLUMN note TYPE text;
