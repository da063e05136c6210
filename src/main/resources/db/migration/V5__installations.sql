-- An app installed in an organization (API.md §5): approved on the consent page with actor "app" by
-- an owner or admin of the organization. At most one active installation per (app, organization);
-- a disconnected one is kept, with revoked_at, for the record.
CREATE TABLE installations (
    id              uuid PRIMARY KEY,
    client_id       text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    organization_id uuid        NOT NULL REFERENCES organizations ON DELETE CASCADE,
    installed_by    uuid        REFERENCES users ON DELETE SET NULL,
    scopes          text[]      NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    revoked_by      uuid        REFERENCES users ON DELETE SET NULL
);
CREATE UNIQUE INDEX installations_active ON installations (client_id, organization_id) WHERE revoked_at IS NULL;
CREATE INDEX installations_organization ON installations (organization_id, id) WHERE revoked_at IS NULL;
