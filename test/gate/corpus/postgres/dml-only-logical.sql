-- phase: expand
-- replication: logical
-- covers: G-BG-BLUE-DDL
-- expect: pass
-- rules: 
UPDATE orders SET order_state_v2 = status WHERE id < 1000;
