-- phase: expand
-- covers: G-ADD-REQUIRED, G-ADD-DEFAULT-REWRITE
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';
