-- phase: expand
-- covers: G-TRUNCATE
-- expect: fail
-- rules: G-TRUNCATE
TRUNCATE TABLE order_events;
