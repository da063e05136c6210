-- Every node keeps live access tokens in memory for introspection and bearer calls (AccessTokenCache).
-- The database itself announces whatever can end one, so no code path can forget to: a token that
-- stops being usable (revoked, or deleted while still live — directly or by a cascade from its app,
-- user, organization or grant) and a user whose state a token's answer reads (name, roles,
-- disabled, email_verified). Delivered on channel gatehouse_tokens when the change commits.
--   payload: comma-separated hex token hashes (at most 100), 'user:<uuid>', or '*' (forget them all)

-- Sends the hashes (or '*' for more than 100: a bulk revocation, rare) of tokens that just ended.
CREATE FUNCTION announce_access_tokens_ended(hashes bytea[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(hashes) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_notify('gatehouse_tokens', CASE WHEN cardinality(hashes) > 100 THEN '*'
        ELSE array_to_string(ARRAY(SELECT encode(h, 'hex') FROM unnest(hashes) h), ',') END);
END $$;

CREATE FUNCTION announce_revoked_access_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM announce_access_tokens_ended(ARRAY(
        SELECT o.token_hash FROM old_rows o JOIN new_rows n ON n.token_hash = o.token_hash
        WHERE o.revoked_at IS NULL AND n.revoked_at IS NOT NULL));
    RETURN NULL;
END $$;

-- A deleted token only matters while it could still be live: the purger's deletes of long-expired
-- rows announce nothing (an hour's margin covers clocks that disagree a little).
CREATE FUNCTION announce_deleted_access_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM announce_access_tokens_ended(ARRAY(
        SELECT token_hash FROM old_rows WHERE revoked_at IS NULL AND expires_at > now() - interval '1 hour'));
    RETURN NULL;
END $$;

CREATE TRIGGER access_tokens_revoked AFTER UPDATE ON access_tokens
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_revoked_access_tokens();
CREATE TRIGGER access_tokens_deleted AFTER DELETE ON access_tokens
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION announce_deleted_access_tokens();

CREATE FUNCTION announce_token_owner_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gatehouse_tokens', 'user:' || OLD.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER users_token_facts_changed AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.roles IS DISTINCT FROM NEW.roles
          OR OLD.disabled IS DISTINCT FROM NEW.disabled OR OLD.email_verified IS DISTINCT FROM NEW.email_verified)
    EXECUTE FUNCTION announce_token_owner_changed();
CREATE TRIGGER users_deleted AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION announce_token_owner_changed();
