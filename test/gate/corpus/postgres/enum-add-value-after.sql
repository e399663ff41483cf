-- phase: contract
-- covers: G-ENUM
-- expect: pass
-- rules: 
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'delivered';
