-- phase: expand
-- replication: logical
-- covers: G-ADD-DEFAULT-REWRITE, G-BG-GREEN-DDL
-- expect: fail
-- rules: G-ADD-DEFAULT-REWRITE, G-BG-GREEN-DDL, G-BG-BLUE-DDL
ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
