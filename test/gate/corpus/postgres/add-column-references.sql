-- phase: contract
-- covers: G-ADD-FK
-- expect: fail
-- rules: G-ADD-FK
ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);
