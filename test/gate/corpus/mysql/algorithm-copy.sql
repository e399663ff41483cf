-- phase: expand
-- covers: G-INDEX-BLOCKING
-- expect: fail
-- rules: G-INDEX-BLOCKING
ALTER TABLE orders ADD INDEX orders_state_idx (order_state_v2), ALGORITHM=COPY;
