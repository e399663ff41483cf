-- phase: contract
-- covers: G-TRUNCATE, G-DROP-TABLE
-- expect: pass
-- rules:
DELETE FROM order_events WHERE created_at < '2024-01-01' LIMIT 10000;
