-- phase: expand
-- covers: G-ADD-DEFAULT-REWRITE
-- expect: fail
-- rules: G-ADD-DEFAULT-REWRITE
ALTER TABLE orders ADD COLUMN public_id char(36) DEFAULT (uuid());
