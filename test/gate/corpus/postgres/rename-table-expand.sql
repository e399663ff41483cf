-- phase: expand
-- covers: G-RENAME-TABLE
-- expect: fail
-- rules: G-RENAME-TABLE
ALTER TABLE orders RENAME TO purchase_orders;
