-- Keys that sign JWT access tokens (RFC 9068). The private part is a JWK encrypted with the Fernet
-- keys of GATEHOUSE_ENCRYPTION_KEYS; the public part is what /oauth/jwks publishes. At most one
-- current (unretired) key per algorithm; a retired key stays published while a token it signed
-- is unexpired.
CREATE TABLE signing_keys (
    id                    uuid PRIMARY KEY,
    alg                   text        NOT NULL CHECK (alg IN ('ES256', 'RS256')),
    public_jwk            jsonb       NOT NULL,
    private_jwk_encrypted text        NOT NULL,
    created_at            timestamptz NOT NULL,
    retired_at            timestamptz
);
CREATE UNIQUE INDEX signing_keys_current ON signing_keys (alg) WHERE retired_at IS NULL;

ALTER TABLE clients ADD COLUMN access_token_signing_alg text NOT NULL DEFAULT 'ES256'
    CHECK (access_token_signing_alg IN ('ES256', 'RS256'));

-- Which key signed a JWT access token; null for opaque tokens.
ALTER TABLE access_tokens ADD COLUMN signing_key_id uuid REFERENCES signing_keys;
CREATE INDEX access_tokens_signing_key ON access_tokens (signing_key_id, expires_at) WHERE signing_key_id IS NOT NULL;
