-- Brokered vault access (docs/vault-proxy.md, "Brokered access"): what an app asks to reach through
-- the proxy ({"platform", "methods", "paths"} rules), what a platform admin approved of it, and what
-- an organization's admin granted when installing the app (a copy of the approved rules then), as JSON text.
ALTER TABLE clients ADD COLUMN vault_access text NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN approved_vault_access text NOT NULL DEFAULT '[]';
ALTER TABLE installations ADD COLUMN vault_access text NOT NULL DEFAULT '[]';
