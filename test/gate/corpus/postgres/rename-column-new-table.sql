-- phase: expand
-- covers: G-RENAME-COLUMN, G-RENAME-TABLE
-- expect: pass
-- rules:
CREATE TABLE refunds (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amt numeric(10,2));
ALTER TABLE refunds RENAME COLUMN amt TO amount;
ALTER TABLE refunds RENAME TO order_refunds;
