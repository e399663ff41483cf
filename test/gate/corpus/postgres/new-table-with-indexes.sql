-- phase: expand
-- covers: G-ADD-UNIQUE, G-INDEX-BLOCKING, G-ADD-PK, G-ADD-EXCLUSION, G-JSON
-- expect: pass
-- rules: 
CREATE TABLE shipments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id bigint NOT NULL,
  during tstzrange,
  payload jsonb,
  EXCLUDE USING gist (during WITH &&)
);
CREATE UNIQUE INDEX shipments_order_key ON shipments (order_id);
CREATE INDEX shipments_during_idx ON shipments (during);
