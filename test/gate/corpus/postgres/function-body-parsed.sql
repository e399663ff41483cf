-- phase: expand
-- covers: G-RAW-SQL
-- expect: pass
-- rules: 
CREATE OR REPLACE FUNCTION order_total(o orders) RETURNS numeric
LANGUAGE sql STABLE AS $$ SELECT o.quantity * o.price; $$;
