-- Client authentication with a signed JWT (RFC 7523 §2.2, OpenID Connect Core §9):
-- private_key_jwt (the app signs with its private key; Gatehouse checks with the public keys the app
-- registered in jwks, or publishes at jwks_uri) and client_secret_jwt (an HMAC with the client
-- secret). token_endpoint_auth_method NULL keeps what an app always could: its secret in a Basic
-- header or the body (confidential), or its client_id alone (public).
ALTER TABLE clients ADD COLUMN token_endpoint_auth_method text
    CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'client_secret_jwt',
                                          'private_key_jwt', 'none'));
ALTER TABLE clients ADD COLUMN jwks text;
ALTER TABLE clients ADD COLUMN jwks_uri text;
-- The HMAC of client_secret_jwt needs the secret itself: for an app that chose it, and only for
-- such an app, the secret is also kept Fernet-encrypted (GATEHOUSE_ENCRYPTION_KEYS). Every other
-- app keeps only the secret's SHA-256.
ALTER TABLE clients ADD COLUMN secret_sealed text;

-- Assertions seen, so none is accepted twice (RFC 7523 §3 jti): the SHA-256 of the app and the jti,
-- kept until the assertion could no longer be accepted anyway.
CREATE TABLE client_assertions (
    assertion_hash bytea       PRIMARY KEY,
    expires_at     timestamptz NOT NULL
);
CREATE INDEX client_assertions_expires ON client_assertions (expires_at);
