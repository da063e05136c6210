-- DPoP (RFC 9449): tokens bound to a key the client proves it holds with every request.
--
-- dpop_jkt is the SHA-256 JWK thumbprint (RFC 7638, base64url) of the key a token is bound to: an
-- access token bound at issue (its cnf.jkt; presented with "Authorization: DPoP" and a fresh proof),
-- and a public app's token family, whose refresh tokens then need a proof by the same key.
ALTER TABLE access_tokens ADD COLUMN dpop_jkt text;
ALTER TABLE token_grants ADD COLUMN dpop_jkt text;

-- An app that must send DPoP proofs (RFC 9449 §5.2 client metadata dpop_bound_access_tokens).
ALTER TABLE clients ADD COLUMN dpop_bound_access_tokens boolean NOT NULL DEFAULT false;

-- Proofs seen, so none is accepted twice (RFC 9449 §11.1): the SHA-256 of the presenting app and the
-- proof's jti, kept until the proof's acceptance window has passed.
CREATE TABLE dpop_proofs (
    proof_hash bytea       PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX dpop_proofs_expires ON dpop_proofs (expires_at);
