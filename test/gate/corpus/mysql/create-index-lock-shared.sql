-- phase: contract
-- covers: G-INDEX-BLOCKING
-- expect: fail
-- rules: G-INDEX-BLOCKING
CREATE INDEX orders_state_idx ON orders (order_state_v2) LOCK=SHARED;
