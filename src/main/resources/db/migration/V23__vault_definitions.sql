-- Providers as data (docs/vault-definitions.md): the values an administrator gives when connecting
-- (a tenant subdomain) travel with the connect flow's state to the callback.
ALTER TABLE connect_states ADD COLUMN params jsonb NOT NULL DEFAULT '{}';

-- GitHub suspends an App installation: the connection is kept but hands out nothing until unsuspended.
ALTER TABLE connections DROP CONSTRAINT connections_status_check;
ALTER TABLE connections ADD CONSTRAINT connections_status_check
    CHECK (status IN ('active', 'needs_reauth', 'suspended', 'revoked'));
