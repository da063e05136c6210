-- Resource indicators (RFC 8707): an app asks for a token for one resource server, which a
-- resource server app registers as its identifier (resource, an absolute URI, as RFC 9728 names it).
-- The authorization (code, device authorization, token family) remembers which, and the access token
-- names it as its audience.
ALTER TABLE clients ADD COLUMN resource text;
CREATE UNIQUE INDEX clients_resource ON clients (resource) WHERE resource IS NOT NULL;
ALTER TABLE authorization_codes ADD COLUMN resource text;
ALTER TABLE device_authorizations ADD COLUMN resource text;
ALTER TABLE token_grants ADD COLUMN resource text;
ALTER TABLE access_tokens ADD COLUMN audience text;

-- Token exchange (RFC 8693): a token issued for a delegation names who acts (its act claim, JSON:
-- {"sub", "client_id"} and, for a chain, the act it was exchanged from).
ALTER TABLE access_tokens ADD COLUMN act text;
