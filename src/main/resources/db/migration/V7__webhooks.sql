-- Each app's webhook signing secret (whsec_…), encrypted with GATEHOUSE_ENCRYPTION_KEYS: it must be
-- read back to sign, so it cannot be stored as a hash.
CREATE TABLE webhook_secrets (
    client_id  text        PRIMARY KEY REFERENCES clients ON DELETE CASCADE,
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL
);

-- The outbox: one row per (event, app). A node claims due rows with FOR UPDATE SKIP LOCKED,
-- counting the attempt and leasing the row (next_attempt_at moves past the send's timeout) in the
-- same statement, so no two nodes ever make the same attempt; the result is written afterwards.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    client_id       text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    organization_id uuid,
    payload         text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    give_up_at      timestamptz NOT NULL,
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_client ON webhook_deliveries (client_id, id);
