-- phase: contract
-- covers: G-ADD-FK
-- expect: warn
-- rules: G-ADD-FK
SET foreign_key_checks = 0;
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
SET foreign_key_checks = 1;
