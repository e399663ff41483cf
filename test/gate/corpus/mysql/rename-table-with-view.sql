-- phase: expand
-- covers: G-RENAME-TABLE
-- expect: pass
-- rules: 
RENAME TABLE orders TO purchase_orders;
CREATE VIEW orders AS SELECT * FROM purchase_orders;
