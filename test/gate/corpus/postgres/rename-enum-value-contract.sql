-- phase: contract
-- covers: G-RENAME-OTHER
-- expect: fail
-- rules: G-RENAME-OTHER
ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';
