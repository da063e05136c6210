-- The purger deletes in small batches (ExpiredRecordsPurger): each batch picks at most a thousand
-- purgeable rows by an index, never by scanning a table. authorization_codes (expires_at),
-- access_tokens (expires_at), user_tokens (expires_at) and refresh_tokens' kept successors
-- (rotated_at) have theirs already; these are the missing ones. Partial where only a few rows
-- qualify. Built concurrently so that a big table keeps taking writes meanwhile (Flyway runs a
-- migration made only of such statements outside a transaction).
CREATE INDEX CONCURRENTLY access_tokens_revoked ON access_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX CONCURRENTLY token_grants_revoked ON token_grants (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX CONCURRENTLY browser_sessions_expires ON browser_sessions (expires_at);
CREATE INDEX CONCURRENTLY browser_sessions_ended ON browser_sessions (ended_at) WHERE ended_at IS NOT NULL;
