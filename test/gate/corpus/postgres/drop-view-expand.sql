-- phase: expand
-- covers: G-DROP-TABLE
-- expect: fail
-- rules: G-DROP-TABLE
DROP VIEW order_totals;
