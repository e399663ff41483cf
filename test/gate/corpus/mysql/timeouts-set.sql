-- phase: contract
-- preamble: none
-- covers: G-TIMEOUTS
-- expect: pass
-- rules: 
SET SESSION lock_wait_timeout = 5;
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20) NULL;
