-- Webhooks: integrators' endpoints, the events fanned out from the audit log (the outbox),
-- one delivery per (endpoint, event), and every attempt of every delivery.

CREATE TABLE webhook_endpoints (
    id                         text PRIMARY KEY,              -- we_...
    integrator_id              text        NOT NULL,
    url                        text        NOT NULL,
    events                     text[]      NOT NULL,
    description                text,
    status                     text        NOT NULL CHECK (status IN ('ENABLED', 'DELETED')),
    -- the signing secret, in clear (it is needed to sign): see docs/webhooks.md
    secret                     text        NOT NULL,
    -- the secret before the last rotation, still signing until previous_secret_expires_at
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    -- the seq of its own webhook.created audit event: it receives the events after it in the audit
    -- log's order (not by clock: a replica's clock or a late commit cannot make it miss one)
    created_seq                bigint      NOT NULL CHECK (created_seq > 0),
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL,
    deleted_at                 timestamptz
);
CREATE INDEX webhook_endpoints_integrator_idx ON webhook_endpoints (integrator_id, created_at DESC, id DESC)
    WHERE status = 'ENABLED';

-- One row per audit event that some endpoint subscribed to; id = the audit event's id, so a
-- repeated fan-out inserts nothing. The body is rendered once and sent byte for byte on every attempt.
CREATE TABLE webhook_events (
    id            text PRIMARY KEY,
    audit_seq     bigint      NOT NULL UNIQUE,
    integrator_id text        NOT NULL,
    type          text        NOT NULL,
    created_at    timestamptz NOT NULL,                       -- the audit event's time
    body          text        NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              text PRIMARY KEY,                         -- whd_...
    endpoint_id     text        NOT NULL REFERENCES webhook_endpoints (id),
    event_id        text        NOT NULL REFERENCES webhook_events (id),
    status          text        NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED', 'CANCELLED')),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz,                              -- set while PENDING (a claim pushes it by a lease)
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT webhook_deliveries_endpoint_event_key UNIQUE (endpoint_id, event_id),
    CONSTRAINT webhook_deliveries_pending_check CHECK ((status = 'PENDING') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_endpoint_pending_idx ON webhook_deliveries (endpoint_id) WHERE status = 'PENDING';

CREATE TABLE webhook_attempts (
    id              text PRIMARY KEY,                         -- wha_...
    delivery_id     text        NOT NULL REFERENCES webhook_deliveries (id),
    endpoint_id     text        NOT NULL,
    event_id        text        NOT NULL,
    attempt         integer     NOT NULL CHECK (attempt >= 1),
    attempted_at    timestamptz NOT NULL,
    status_code     integer,
    duration_millis bigint      NOT NULL CHECK (duration_millis >= 0),
    outcome         text        NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
    error           text,
    response_excerpt text,
    CONSTRAINT webhook_attempts_delivery_attempt_key UNIQUE (delivery_id, attempt)
);
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, attempted_at DESC, id DESC);
CREATE INDEX webhook_attempts_event_idx ON webhook_attempts (event_id);

-- Where the fan-out is in the audit log (one row; a pass locks it, so one replica fans out at a time).
-- Starts at the current head: events before webhooks existed have no subscribers.
CREATE TABLE webhook_fanout_cursor (
    id         smallint PRIMARY KEY CHECK (id = 1),
    last_seq   bigint      NOT NULL CHECK (last_seq >= 0),
    updated_at timestamptz NOT NULL
);
INSERT INTO webhook_fanout_cursor (id, last_seq, updated_at) SELECT 1, seq, now() FROM audit_head;
