-- phase: expand
-- covers: G-LONG-TX
-- expect: warn
-- rules: G-LONG-TX
BEGIN;
ALTER TABLE orders ADD COLUMN order_state_v2 text;
ALTER TABLE orders ADD COLUMN order_region text;
COMMIT;
