-- phase: expand
-- covers: G-ENUM
-- expect: warn
-- rules: G-ENUM
ALTER TYPE order_status ADD VALUE 'refunded';
