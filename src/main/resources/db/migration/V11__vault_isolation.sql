-- Tenant isolation in the vault and refreshes that never hold a database connection across a
-- provider call.

-- An external account (a GitHub installation or account, a Jira site, a Slack workspace or
-- Enterprise Grid) is live in at most one organization. Earlier versions allowed one account in
-- several organizations; the oldest live connection keeps it, the others are revoked (their
-- organizations connect again, or see the conflict).
WITH ranked AS (
    SELECT id, row_number() OVER (PARTITION BY platform, kind, external_id ORDER BY created_at, id) AS n
    FROM connections WHERE status <> 'revoked')
UPDATE connections SET status = 'revoked', updated_at = now(),
                       last_error = 'revoked: the account was connected to more than one organization'
WHERE id IN (SELECT id FROM ranked WHERE n > 1);
-- GitHub App installations connected before the installing user's own token was checked may have
-- been bound by a forged installation_id: each is revoked (its tokens destroyed below) and must be
-- connected again through the verified flow. Revoked, not needs_reauth, so a forged binding cannot
-- keep the installation from its rightful organization.
UPDATE connections SET status = 'revoked', updated_at = now(),
                       last_error = 'connect again: the installation must be verified with the installing user''s token'
WHERE platform = 'github' AND kind = 'app' AND status <> 'revoked';
DELETE FROM vault_credentials v
WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.credential_id = v.id AND c.status <> 'revoked');

DROP INDEX connections_live;
CREATE UNIQUE INDEX connections_live_account ON connections (platform, kind, external_id) WHERE status <> 'revoked';

-- The account that contains this one when it can be connected as a whole too (a Slack workspace's
-- Enterprise Grid): an org-wide install in one organization and a workspace of it in another would
-- put one workspace in two organizations, so the one connecting second is refused.
ALTER TABLE connections ADD COLUMN parent_external_id text;
CREATE INDEX connections_parent ON connections (platform, kind, parent_external_id)
    WHERE status <> 'revoked' AND parent_external_id IS NOT NULL;

-- One refresh of a credential at a time across every node: a lease (owner, until) taken and released
-- by single statements, so no pooled connection waits while the provider is called. A lease whose
-- node died runs out. The last failed attempt is kept for the callers that waited on it.
ALTER TABLE vault_credentials
    ADD COLUMN refresh_owner       uuid,
    ADD COLUMN refresh_lease_until timestamptz,
    ADD COLUMN refresh_failed_at   timestamptz,
    ADD COLUMN refresh_error       text;
