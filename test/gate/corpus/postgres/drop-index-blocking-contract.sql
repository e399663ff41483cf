-- phase: contract
-- covers: G-INDEX-BLOCKING
-- expect: fail
-- rules: G-INDEX-BLOCKING
DROP INDEX orders_status_idx;
