-- phase: expand
-- covers: G-INDEX-BLOCKING
-- expect: pass
-- rules: 
ALTER TABLE orders ADD INDEX orders_state_idx (order_state_v2), ALGORITHM=INPLACE, LOCK=NONE;
CREATE INDEX orders_region_idx ON orders (region);
