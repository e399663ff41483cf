-- phase: expand
-- covers: G-ADD-FK
-- expect: fail
-- rules: G-ADD-FK
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
