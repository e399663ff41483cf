-- phase: contract
-- preamble: none
-- covers: G-TIMEOUTS
-- expect: warn
-- rules: G-TIMEOUTS
SET lock_timeout = 0;
SET statement_timeout = '10min';
CREATE INDEX CONCURRENTLY orders_state_idx ON orders (order_state_v2);
