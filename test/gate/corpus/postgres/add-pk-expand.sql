-- phase: expand
-- covers: G-ADD-PK
-- expect: fail
-- rules: G-ADD-PK
ALTER TABLE order_events ADD PRIMARY KEY (id);
