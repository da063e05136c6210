-- One live installation-bound access token per installation (docs/http.md, "The OAuth flows"):
-- issuing one revokes the installation's previous token, and two exchanges for one installation
-- must not both leave theirs live. This transaction-scoped advisory lock serializes them. It is a
-- function so that every statement that takes it — the read that starts a code exchange or a
-- refresh, or the client-credentials path — builds the same key from the installation's columns.
-- The key is the text earlier releases built in Java, so nodes of both kinds still exclude each
-- other during a rolling upgrade; but an earlier release locked a refresh token's row before this
-- lock and this one locks after it, so the same refresh presented to two nodes of different
-- releases at once may deadlock: PostgreSQL ends one (503 here, 500 on the earlier release) and
-- the client's retry succeeds. A token acting as its app has no user, whoever approved it.
--
-- The lock must be taken in a statement before the one that revokes the previous token: under
-- READ COMMITTED a statement's snapshot is taken when it starts, so only a later statement sees a
-- token a concurrent exchange committed while this one waited.
CREATE FUNCTION lock_installation(client_id text, organization_id uuid, actor text, user_id uuid)
    RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- A NULL would make the key NULL, and pg_advisory_xact_lock(NULL) lock nothing.
    IF client_id IS NULL OR actor IS NULL THEN
        RAISE EXCEPTION 'lock_installation needs a client_id and an actor';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(
        'installation:' || client_id || ':' || coalesce(organization_id::text, 'null') || ':' || actor || ':'
            || CASE WHEN actor = 'app' THEN 'null' ELSE coalesce(user_id::text, 'null') END, 0));
    RETURN true;
END $$;
