-- phase: expand
-- covers: G-MAINT-LOCK
-- expect: fail
-- rules: G-MAINT-LOCK
REINDEX INDEX orders_state_idx;
ALTER TABLE events DETACH PARTITION events_2023;
