-- What happened to each consent, for GET /api/v1/oauth/consents/history: granted, updated
-- (scopes widened), revoked. Rows are only ever added.
CREATE TABLE consent_events (
    id              uuid PRIMARY KEY,
    consent_id      uuid        NOT NULL REFERENCES consents ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    client_id       text        NOT NULL,
    organization_id uuid,
    actor           text        NOT NULL,
    event           text        NOT NULL CHECK (event IN ('granted', 'updated', 'revoked')),
    scopes          text[]      NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX consent_events_user ON consent_events (user_id, id);
CREATE INDEX consents_user ON consents (user_id, id) WHERE revoked_at IS NULL;
