-- phase: expand
-- preamble: none
-- covers: G-TIMEOUTS
-- expect: pass
-- rules: 
SET lock_timeout = '3s';
SET statement_timeout = '10min';
ALTER TABLE orders ADD COLUMN order_state_v2 text;
