-- phase: contract
-- covers: G-DROP-TABLE
-- expect: warn
-- rules: G-DROP-TABLE
DROP DATABASE reporting;
