-- phase: contract
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, state enum('new','paid','shipped') NOT NULL);
-- covers: G-ENUM
-- expect: warn
-- rules: G-ENUM
ALTER TABLE orders MODIFY COLUMN state enum('new','paid') NOT NULL;
