-- The audit chain no longer serialises business transactions on audit_head. A transaction that
-- changes state inserts its events here (no lock on any shared row); the sealer (one at a time,
-- all replicas: it locks audit_head) moves committed events into audit_events in the order it
-- finds them (insertion order within a transaction, and an event committed before another
-- transaction started is always sealed first), giving each its seq, prev_hash and hash, and
-- deletes them here in the same transaction. audit_events stays append-only and gapless.
CREATE TABLE audit_pending (
    id           bigserial PRIMARY KEY,
    event_id     text        NOT NULL UNIQUE,
    at           timestamptz NOT NULL,
    actor        text        NOT NULL,
    type         text        NOT NULL,
    subject      text        NOT NULL,
    payload_json text        NOT NULL
);

-- An endpoint receives the events after its own webhook.created event in the audit log: named by
-- the event's id, since its seq is given only when the sealer links it into the chain.
ALTER TABLE webhook_endpoints ADD COLUMN created_event_id text;
UPDATE webhook_endpoints w SET created_event_id = e.id FROM audit_events e WHERE e.seq = w.created_seq;
ALTER TABLE webhook_endpoints ALTER COLUMN created_event_id SET NOT NULL;
ALTER TABLE webhook_endpoints DROP COLUMN created_seq;

-- Append-only tables refuse TRUNCATE as well as UPDATE and DELETE.
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation();
CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation();
