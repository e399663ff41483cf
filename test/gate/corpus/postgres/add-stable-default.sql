-- phase: expand
-- covers: G-ADD-DEFAULT-REWRITE
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();
