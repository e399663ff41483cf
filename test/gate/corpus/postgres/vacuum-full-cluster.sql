-- phase: contract
-- covers: G-MAINT-LOCK
-- expect: fail
-- rules: G-MAINT-LOCK
VACUUM FULL orders;
CLUSTER orders USING orders_pkey;
