-- phase: expand
-- covers: G-DROP-NOT-NULL, G-ADD-DEFAULT-REWRITE
-- expect: pass
-- rules: 
ALTER TABLE orders ALTER COLUMN region SET DEFAULT 'eu';
