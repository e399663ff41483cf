-- phase: expand
-- covers: G-LONG-TX
-- expect: fail
-- rules: G-LONG-TX
BEGIN;
ALTER TABLE orders ADD COLUMN order_state_v2 text;
UPDATE orders SET order_state_v2 = status;
COMMIT;
