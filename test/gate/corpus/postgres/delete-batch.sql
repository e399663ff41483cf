-- phase: contract
-- covers: G-TRUNCATE
-- expect: pass
-- rules: 
DELETE FROM order_events WHERE created_at < now() - interval '1 year' AND id < 100000;
