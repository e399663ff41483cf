-- phase: expand
-- covers: G-DROP-TABLE, G-TRUNCATE
-- expect: pass
-- rules:
CREATE TABLE import_scratch (id bigint PRIMARY KEY, payload text);
TRUNCATE TABLE import_scratch;
DROP TABLE import_scratch;
