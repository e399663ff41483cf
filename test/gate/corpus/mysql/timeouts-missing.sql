-- phase: expand
-- preamble: none
-- covers: G-TIMEOUTS
-- expect: warn
-- rules: G-TIMEOUTS
ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20) NULL;
