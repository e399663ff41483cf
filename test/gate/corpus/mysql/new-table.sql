-- phase: expand
-- covers: G-ADD-PK, G-ADD-UNIQUE, G-INDEX-BLOCKING, G-ADD-REQUIRED
-- expect: pass
-- rules: 
CREATE TABLE shipments (
  id bigint NOT NULL AUTO_INCREMENT,
  order_id bigint NOT NULL,
  carrier varchar(40) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;
CREATE UNIQUE INDEX shipments_order_key ON shipments (order_id);
ALTER TABLE shipments ADD COLUMN tracking varchar(64) NOT NULL;
