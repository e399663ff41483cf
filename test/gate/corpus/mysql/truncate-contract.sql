-- phase: contract
-- covers: G-TRUNCATE
-- expect: warn
-- rules: G-TRUNCATE
TRUNCATE TABLE order_events;
