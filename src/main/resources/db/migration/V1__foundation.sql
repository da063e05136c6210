-- Gatehouse foundation schema: people, tenants, apps and the OAuth grant records.
-- Secrets, codes and tokens appear only as SHA-256 hashes (bytea); passwords as Argon2id strings.

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    username       text        NOT NULL,
    password_hash  text        NOT NULL,
    name           text        NOT NULL DEFAULT '',
    roles          text[]      NOT NULL DEFAULT '{user}',
    email_verified boolean     NOT NULL DEFAULT false,
    disabled       boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE browser_sessions (
    id           uuid PRIMARY KEY,
    token_hash   bytea       NOT NULL UNIQUE,
    csrf_token   text        NOT NULL,
    user_id      uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    ip           text,
    user_agent   text,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX browser_sessions_user ON browser_sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE organizations (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL,
    slug       text        NOT NULL UNIQUE,
    created_by uuid        REFERENCES users ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE memberships (
    organization_id uuid        NOT NULL REFERENCES organizations ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    role            text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE scopes (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    description text        NOT NULL DEFAULT '',
    restricted  boolean     NOT NULL DEFAULT false,
    builtin     boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
-- Built-in scopes get the smallest UUIDv7 values (timestamp 0), so they list first like the oldest rows.
INSERT INTO scopes (id, name, description, restricted, builtin, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000001', 'admin:*', 'Full administrative access to Gatehouse', true, true, now(), now()),
    ('00000000-0000-7000-8000-000000000002', 'webhooks:manage', 'Receive and manage webhooks for the organization', false, true, now(), now()),
    ('00000000-0000-7000-8000-000000000003', 'connections:read', 'Read integration tokens from the vault', true, true, now(), now()),
    ('00000000-0000-7000-8000-000000000004', 'events:publish', 'Publish events to installed apps', true, true, now(), now());

-- An OAuth app. client_id is the public identifier and the key every grant record points at.
CREATE TABLE clients (
    client_id                   text PRIMARY KEY,
    id                          uuid        NOT NULL UNIQUE,
    secret_hash                 bytea,
    previous_secret_hash        bytea,
    previous_secret_expires_at  timestamptz,
    name                        text        NOT NULL,
    description                 text        NOT NULL DEFAULT '',
    homepage_url                text,
    owner_org_id                uuid        REFERENCES organizations ON DELETE CASCADE,
    redirect_uris               text[]      NOT NULL DEFAULT '{}',
    grant_types                 text[]      NOT NULL,
    scopes                      text[]      NOT NULL DEFAULT '{}',
    approved_scopes             text[]      NOT NULL DEFAULT '{}',
    confidential                boolean     NOT NULL,
    actor_modes                 text[]      NOT NULL,
    access_token_format         text        NOT NULL DEFAULT 'opaque',
    access_token_ttl            integer     NOT NULL,
    refresh_token_rotation      boolean     NOT NULL DEFAULT true,
    refresh_token_grace_seconds integer     NOT NULL DEFAULT 0,
    refresh_token_ttl           integer,
    webhook_url                 text,
    webhook_events              text[]      NOT NULL DEFAULT '{}',
    resource_server             boolean     NOT NULL DEFAULT false,
    created_by                  uuid        REFERENCES users ON DELETE SET NULL,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL
);
CREATE INDEX clients_owner_org ON clients (owner_org_id);

-- A grant is what one authorization (or one password login) produced: the family of refresh
-- tokens and the access tokens issued from them. Revoking the grant revokes all of it.
CREATE TABLE token_grants (
    id              uuid PRIMARY KEY,
    client_id       text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    user_id         uuid        REFERENCES users ON DELETE CASCADE,
    organization_id uuid        REFERENCES organizations ON DELETE CASCADE,
    actor           text        NOT NULL CHECK (actor IN ('app', 'self')),
    scope           text        NOT NULL,
    grant_type      text        NOT NULL,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);
CREATE INDEX token_grants_user ON token_grants (user_id) WHERE revoked_at IS NULL;
CREATE INDEX token_grants_client ON token_grants (client_id);

CREATE TABLE authorization_codes (
    code_hash       bytea PRIMARY KEY,
    client_id       text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    organization_id uuid        REFERENCES organizations ON DELETE CASCADE,
    actor           text        NOT NULL CHECK (actor IN ('app', 'self')),
    scope           text        NOT NULL,
    redirect_uri    text        NOT NULL,
    redirect_uri_sent boolean   NOT NULL,
    code_challenge  text,
    grant_id        uuid        NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    consumed_at     timestamptz
);
CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at);

CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    id          uuid        NOT NULL UNIQUE,
    grant_id    uuid        NOT NULL REFERENCES token_grants ON DELETE CASCADE,
    parent_id   uuid,
    client_id   text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    scope       text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    rotated_at  timestamptz,
    grace_used  boolean     NOT NULL DEFAULT false,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_parent ON refresh_tokens (parent_id) WHERE parent_id IS NOT NULL;

-- single_per_installation marks tokens of which an installation holds one live at a time
-- (API.md §4); plain client_credentials service tokens are not limited.
CREATE TABLE access_tokens (
    token_hash              bytea PRIMARY KEY,
    id                      uuid        NOT NULL UNIQUE,
    client_id               text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    user_id                 uuid        REFERENCES users ON DELETE CASCADE,
    organization_id         uuid        REFERENCES organizations ON DELETE CASCADE,
    actor                   text        NOT NULL CHECK (actor IN ('app', 'self')),
    scope                   text        NOT NULL,
    grant_id                uuid        REFERENCES token_grants ON DELETE CASCADE,
    grant_type              text        NOT NULL,
    single_per_installation boolean     NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL,
    expires_at              timestamptz NOT NULL,
    revoked_at              timestamptz
);
CREATE INDEX access_tokens_grant ON access_tokens (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX access_tokens_installation ON access_tokens (client_id, organization_id, actor, user_id)
    WHERE single_per_installation AND revoked_at IS NULL;
CREATE INDEX access_tokens_expires ON access_tokens (expires_at);

CREATE TABLE consents (
    id              uuid PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    client_id       text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    organization_id uuid        REFERENCES organizations ON DELETE CASCADE,
    actor           text        NOT NULL CHECK (actor IN ('app', 'self')),
    scopes          text[]      NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);
CREATE UNIQUE INDEX consents_active_key ON consents
    (user_id, client_id, coalesce(organization_id, '00000000-0000-0000-0000-000000000000'::uuid), actor)
    WHERE revoked_at IS NULL;
