-- Single-use links sent by email: email verification and password reset. Only the SHA-256 hash of
-- the token is kept; using a token deletes its row, so a link works once.
CREATE TABLE user_tokens (
    token_hash bytea PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX user_tokens_user_purpose ON user_tokens (user_id, purpose, created_at);
CREATE INDEX user_tokens_expires_at ON user_tokens (expires_at);
