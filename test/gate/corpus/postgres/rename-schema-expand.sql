-- phase: expand
-- covers: G-RENAME-OTHER
-- expect: fail
-- rules: G-RENAME-OTHER
ALTER SCHEMA billing RENAME TO invoicing;
