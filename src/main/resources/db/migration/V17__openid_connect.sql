-- OpenID Connect (docs/openid-connect.md). An app signs its users in by asking for `openid`; what
-- the ID token says about the sign-in travels with the code: the `nonce` the app sent, echoed in the
-- ID token, and when the user last authenticated (`auth_time`, the browser session's start).
ALTER TABLE authorization_codes ADD COLUMN nonce text, ADD COLUMN auth_time timestamptz;

-- The OpenID Connect scopes, built in like admin:*: never restricted, listed in an app's
-- allowed_scopes like any other scope, and described on the consent page in plain words. A
-- deployment that had made a scope of one of these names keeps its row, now built in.
INSERT INTO scopes (id, name, description, restricted, builtin, created_at, updated_at) VALUES
    ('00000000-0000-7000-8000-000000000005', 'openid', 'Sign you in and know who you are (your user ID)', false, true, now(), now()),
    ('00000000-0000-7000-8000-000000000006', 'profile', 'See your name and username', false, true, now(), now()),
    ('00000000-0000-7000-8000-000000000007', 'email', 'See your email address and whether it is verified', false, true, now(), now())
ON CONFLICT (name) DO UPDATE SET builtin = true;

-- The algorithm of an app's ID tokens (OpenID Connect Dynamic Client Registration's member name);
-- NULL is the default, RS256, which OpenID Connect Discovery requires every provider to offer.
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg text
    CHECK (id_token_signed_response_alg IN ('RS256', 'ES256'));

-- Where OpenID Connect RP-initiated logout may send the browser back, registered per app and
-- matched exactly, like redirect_uris.
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris text[] NOT NULL DEFAULT '{}';

-- The typ header of an app's JWT access tokens: RFC 9068's at+jwt, or JWT for resource servers that
-- accept only that (Spring Security's resource server configured with the issuer alone).
ALTER TABLE clients ADD COLUMN access_token_jwt_typ text NOT NULL DEFAULT 'at+jwt'
    CHECK (access_token_jwt_typ IN ('at+jwt', 'JWT'));

-- Pushed authorization requests (RFC 9126): an app posts its authorization request to
-- /oauth/par first and sends the browser with a reference to it (request_uri), which issues one
-- code at most. It must be opened within 60 seconds; once opened it lasts 10 minutes, the time a
-- person takes to sign in and decide. Only the SHA-256 of the reference is kept.
CREATE TABLE pushed_authorization_requests (
    request_hash bytea       PRIMARY KEY,
    client_id    text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    parameters   jsonb       NOT NULL,
    pushed_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);
CREATE INDEX pushed_authorization_requests_expires ON pushed_authorization_requests (expires_at);

-- An app that must push its authorization requests (no authorization request in a browser's URL).
ALTER TABLE clients ADD COLUMN require_pushed_authorization_requests boolean NOT NULL DEFAULT false;
