-- phase: expand
-- covers: G-CONCURRENT-IN-TX
-- expect: fail
-- rules: G-CONCURRENT-IN-TX
BEGIN;
CREATE INDEX CONCURRENTLY orders_state_idx ON orders (order_state_v2);
COMMIT;
