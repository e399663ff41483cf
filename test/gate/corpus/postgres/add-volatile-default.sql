-- phase: expand
-- covers: G-ADD-DEFAULT-REWRITE
-- expect: fail
-- rules: G-ADD-DEFAULT-REWRITE
ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
