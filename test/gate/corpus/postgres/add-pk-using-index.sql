-- phase: expand
-- covers: G-ADD-PK
-- expect: warn
-- rules: G-ADD-PK
ALTER TABLE order_events ADD CONSTRAINT order_events_pkey PRIMARY KEY USING INDEX order_events_id_key;
