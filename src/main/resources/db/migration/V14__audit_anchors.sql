-- The RFC 9162 Merkle tree over the audit events (leaf i = the event with seq i+1, its canonical
-- encoding as the leaf data), kept by the sealer in the same transaction that links the events:
-- every complete subtree's hash, stored once under (level, idx) and never changed. audit_head's
-- tree_size is the number of leaves in the tree (equal to seq once the sealer has caught up; on an
-- existing log the sealer builds the tree from the stored events first).
ALTER TABLE audit_head ADD COLUMN tree_size bigint NOT NULL DEFAULT 0;

CREATE TABLE audit_tree_nodes (
    level smallint NOT NULL CHECK (level >= 0 AND level <= 48),
    idx   bigint   NOT NULL CHECK (idx >= 0),
    hash  bytea    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);
CREATE TRIGGER audit_tree_nodes_immutable BEFORE UPDATE OR DELETE ON audit_tree_nodes
    FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
CREATE TRIGGER audit_tree_nodes_no_truncate BEFORE TRUNCATE ON audit_tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation();

-- Tree heads anchored on chain with the escrow's anchor(root, seq) (audit.Anchorer, under the
-- "anchorer:<chain id>" lease). A row is written (SENT, with the signed transaction) before the
-- transaction is broadcast, and moves to ANCHORED (with the block and the AuditAnchored log) or
-- FAILED (reverted, or its nonce used by another transaction) once the chain says so. At most one
-- anchor is in flight; a seq is anchored at most once.
CREATE TABLE audit_anchors (
    id           bigserial   PRIMARY KEY,
    seq          bigint      NOT NULL CHECK (seq >= 1),
    root         char(64)    NOT NULL,
    state        text        NOT NULL CHECK (state IN ('SENT', 'ANCHORED', 'FAILED')),
    chain_id     bigint      NOT NULL,
    sender       text        NOT NULL,
    nonce        bigint      NOT NULL,
    tx_hash      text        NOT NULL,
    raw_tx       text        NOT NULL,
    fence        bigint      NOT NULL,
    block_number bigint,
    block_hash   text,
    log_index    integer,
    failure      text,
    created_at   timestamptz NOT NULL,
    anchored_at  timestamptz
);
CREATE UNIQUE INDEX audit_anchors_seq_idx ON audit_anchors (seq) WHERE state <> 'FAILED';
CREATE UNIQUE INDEX audit_anchors_one_in_flight_idx ON audit_anchors ((true)) WHERE state = 'SENT';

-- GET /v1/audit/export reads settled cash-outs by settlement time.
CREATE INDEX cashouts_settled_at_idx ON cashouts (settled_at, id) WHERE status = 'SETTLED';
