-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, state enum('new','paid','shipped') NOT NULL);
-- covers: G-ENUM
-- expect: fail
-- rules: G-ENUM
ALTER TABLE orders MODIFY COLUMN state enum('new','shipped','paid') NOT NULL;
