-- phase: expand
-- covers: G-INDEX-BLOCKING, G-CONCURRENT-IN-TX
-- expect: pass
-- rules: 
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_state_idx ON orders (order_state_v2);
DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;
