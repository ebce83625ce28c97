-- Idempotency-Key on every POST, not only integrators': a key is scoped per caller. An integrator's scope is its id
-- (the rows already stored keep theirs); an operator's or admin's is 'staff:' and its token's subject.
ALTER TABLE idempotency_keys RENAME COLUMN integrator_id TO caller_scope;
COMMENT ON COLUMN idempotency_keys.caller_scope IS 'an integrator''s id, or staff:<subject> for an operator or admin';
