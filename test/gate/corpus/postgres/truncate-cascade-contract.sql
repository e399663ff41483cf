-- phase: contract
-- covers: G-TRUNCATE
-- expect: fail
-- rules: G-TRUNCATE
TRUNCATE orders CASCADE;
