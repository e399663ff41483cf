-- phase: expand
-- schema: CREATE TABLE orders (id bigint PRIMARY KEY, state enum('new','paid','shipped') NOT NULL);
-- covers: G-ENUM
-- expect: pass
-- rules: 
ALTER TABLE orders MODIFY COLUMN state enum('new','paid','shipped','refunded') NOT NULL;
