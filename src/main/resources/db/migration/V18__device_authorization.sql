-- The device authorization grant (RFC 8628). A device (a CLI, an agent, a TV) asks for a device
-- code and a short user code; the user enters the user code at /device in any browser, signs in
-- and decides there; the device polls the token endpoint with the device code meanwhile.
--
-- Only the SHA-256 of the device code is kept. The user code is kept as typed by nobody: upper
-- case, without its dash (8 letters of an alphabet without vowels or look-alikes); it is unique
-- while the row lives, and rows are purged after they expire.
--
-- An approval is an authorization code delivered by polling instead of by redirect: the consent
-- step writes an authorization_codes row under the device code's hash, with no redirect URI, and
-- the device's token request redeems it with every rule a code's redemption has (membership,
-- consent, installation). A code without a redirect URI can only be redeemed that way.
ALTER TABLE authorization_codes ALTER COLUMN redirect_uri DROP NOT NULL;

CREATE TABLE device_authorizations (
    device_code_hash bytea       PRIMARY KEY,
    user_code        text        NOT NULL UNIQUE,
    client_id        text        NOT NULL REFERENCES clients ON DELETE CASCADE,
    scope            text        NOT NULL,
    actor            text        NOT NULL CHECK (actor IN ('app', 'self')),
    organization_id  uuid,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    interval_seconds integer     NOT NULL,
    last_polled_at   timestamptz,
    decision         text        CHECK (decision IN ('approved', 'denied')),
    decided_at       timestamptz
);
CREATE INDEX device_authorizations_expires ON device_authorizations (expires_at);
