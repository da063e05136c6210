-- The integration token vault (API.md §6).

-- Token material from one provider grant, encrypted (Fernet, GATEHOUSE_ENCRYPTION_KEYS) as one JSON
-- document. Jira grants reach several sites: several connections share one credential. Refreshes
-- of a credential run under its row lock, one at a time across every node.
CREATE TABLE vault_credentials (
    id                uuid PRIMARY KEY,
    platform          text        NOT NULL,
    kind              text        NOT NULL,
    material          text        NOT NULL,
    expires_at        timestamptz,
    refreshable       boolean     NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    last_refreshed_at timestamptz,
    refresh_failures  integer     NOT NULL DEFAULT 0,
    next_refresh_at   timestamptz
);
CREATE INDEX vault_credentials_due ON vault_credentials (expires_at) WHERE refreshable;

-- A link between one organization and one external account (GitHub account, Slack workspace, Jira site).
CREATE TABLE connections (
    id              uuid PRIMARY KEY,
    credential_id   uuid        REFERENCES vault_credentials ON DELETE SET NULL,
    platform        text        NOT NULL,
    kind            text        NOT NULL,
    organization_id uuid        NOT NULL REFERENCES organizations ON DELETE CASCADE,
    external_id     text        NOT NULL,
    external_name   text,
    scopes          text[]      NOT NULL DEFAULT '{}',
    status          text        NOT NULL CHECK (status IN ('active', 'needs_reauth', 'revoked')),
    created_by      uuid        REFERENCES users ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    last_error      text
);
CREATE UNIQUE INDEX connections_live ON connections (platform, organization_id, external_id) WHERE status <> 'revoked';
CREATE INDEX connections_external ON connections (platform, external_id) WHERE status <> 'revoked';
CREATE INDEX connections_organization ON connections (organization_id, platform) WHERE status <> 'revoked';

-- A connect flow in progress: its state is random, single use, 10 minutes, bound to the organization
-- and the user who started it; stored as a hash; the PKCE verifier encrypted.
CREATE TABLE connect_states (
    state_hash      bytea PRIMARY KEY,
    platform        text        NOT NULL,
    kind            text        NOT NULL,
    organization_id uuid        NOT NULL REFERENCES organizations ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    code_verifier   text,
    return_to       text,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
