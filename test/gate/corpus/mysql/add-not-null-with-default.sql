-- phase: expand
-- covers: G-ADD-REQUIRED, G-ADD-DEFAULT-REWRITE
-- expect: pass
-- rules: 
ALTER TABLE orders ADD COLUMN region varchar(8) NOT NULL DEFAULT 'eu';
ALTER TABLE orders ADD COLUMN updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP;
