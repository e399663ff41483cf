-- phase: expand
-- covers: G-ADD-FK, G-ADD-CHECK
-- expect: pass
-- rules:
CREATE TABLE refunds (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id bigint NOT NULL,
  amount decimal(10,2) NOT NULL
);
ALTER TABLE refunds ADD CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE refunds ADD CONSTRAINT refunds_amount_positive CHECK (amount > 0);
