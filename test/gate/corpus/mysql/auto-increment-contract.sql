-- phase: contract
-- covers: G-ADD-DEFAULT-REWRITE
-- expect: fail
-- rules: G-ADD-DEFAULT-REWRITE, G-ADD-UNIQUE
ALTER TABLE order_events ADD COLUMN seq bigint AUTO_INCREMENT UNIQUE;
