-- phase: expand
-- covers: G-DROP-TABLE
-- expect: fail
-- rules: G-DROP-TABLE
DROP TABLE legacy_orders;
