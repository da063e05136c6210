-- Connection events (docs/vault-events.md). A delivery without an app goes to the SaaS-wide
-- endpoint (GATEHOUSE_EVENTS_WEBHOOK_URL).
ALTER TABLE webhook_deliveries ALTER COLUMN client_id DROP NOT NULL;

-- connection.expiring goes out once per expiry of a token that cannot be refreshed: the expiry warned of.
ALTER TABLE vault_credentials ADD COLUMN expiry_warned_for timestamptz;

-- Credential checks: when each credential was last proven to work at its provider, and when next.
ALTER TABLE vault_credentials ADD COLUMN checked_at timestamptz;
ALTER TABLE vault_credentials ADD COLUMN check_due_at timestamptz;
