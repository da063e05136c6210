-- Dynamic client registration (RFC 7591) and its management protocol (RFC 7592).
--
-- An organization's owner or admin hands out initial access tokens: each registers apps into that
-- organization, until it expires, is revoked or has been used max_uses times. Only the SHA-256 of
-- a token is kept.
CREATE TABLE initial_access_tokens (
    id              uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL REFERENCES organizations ON DELETE CASCADE,
    token_hash      bytea       NOT NULL UNIQUE,
    created_by      uuid        REFERENCES users ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    max_uses        integer     NOT NULL CHECK (max_uses > 0),
    uses            integer     NOT NULL DEFAULT 0,
    revoked_at      timestamptz
);
CREATE INDEX initial_access_tokens_organization ON initial_access_tokens (organization_id, created_at);

-- An app registered that way can read, change and delete its own registration with the
-- registration access token it was given (RFC 7592), kept as a SHA-256 hash.
CREATE TABLE client_registrations (
    client_id                text        PRIMARY KEY REFERENCES clients ON DELETE CASCADE,
    token_hash               bytea       NOT NULL UNIQUE,
    initial_access_token_id  uuid        REFERENCES initial_access_tokens ON DELETE SET NULL,
    created_at               timestamptz NOT NULL
);
