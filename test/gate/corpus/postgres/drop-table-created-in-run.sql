-- phase: expand
-- covers: G-DROP-TABLE
-- expect: pass
-- rules: 
CREATE TABLE scratch (id bigint PRIMARY KEY);
DROP TABLE scratch;
