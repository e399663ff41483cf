-- phase: expand
-- covers: G-MAINT-LOCK, G-CONCURRENT-IN-TX
-- expect: pass
-- rules: 
REINDEX INDEX CONCURRENTLY orders_state_idx;
ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;
