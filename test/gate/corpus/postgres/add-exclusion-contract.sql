-- phase: contract
-- covers: G-ADD-EXCLUSION
-- expect: fail
-- rules: G-ADD-EXCLUSION
ALTER TABLE reservations ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
