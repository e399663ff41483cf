-- phase: expand
-- covers: G-LONG-TX
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN order_state_v2 text;
BEGIN;
UPDATE orders SET order_state_v2 = status WHERE id BETWEEN 1 AND 10000;
COMMIT;
