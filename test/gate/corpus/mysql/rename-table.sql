-- phase: expand
-- covers: G-RENAME-TABLE
-- expect: fail
-- rules: G-RENAME-TABLE
RENAME TABLE orders TO purchase_orders;
