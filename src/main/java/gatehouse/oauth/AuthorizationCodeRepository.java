package gatehouse.oauth;

import gatehouse.store.PlainSql;
import gatehouse.store.Rows;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** Authorization codes by the SHA-256 of their value. */
public final class AuthorizationCodeRepository {
    /** By hand, not Jdbi's reflective ConstructorMapper: this runs on every code exchange. */
    private static final RowMapper<AuthorizationCode> MAPPER = (rs, ctx) -> new AuthorizationCode(
            rs.getString("client_id"), Rows.uuid(rs, "user_id"), Rows.uuid(rs, "organization_id"), rs.getString("actor"),
            rs.getString("scope"), rs.getString("redirect_uri"), rs.getBoolean("redirect_uri_sent"),
            rs.getString("code_challenge"), Rows.uuid(rs, "grant_id"), Rows.instant(rs, "created_at"),
            Rows.instant(rs, "expires_at"), Rows.instant(rs, "consumed_at"), rs.getString("nonce"),
            Rows.instant(rs, "auth_time"), rs.getString("resource"));
    private static final String COLUMNS = """
            client_id, user_id, organization_id, actor, scope, redirect_uri, redirect_uri_sent, code_challenge,
            grant_id, created_at, expires_at, consumed_at, nonce, auth_time, resource""";

    public void insert(Handle handle, AuthorizationCode code, byte[] hash) {
        handle.createUpdate("""
                        INSERT INTO authorization_codes (code_hash, client_id, user_id, organization_id, actor, scope, redirect_uri,
                            redirect_uri_sent, code_challenge, grant_id, created_at, expires_at, nonce, auth_time, resource)
                        VALUES (:hash, :clientId, :userId, :organizationId, :actor, :scope, :redirectUri,
                            :redirectUriSent, :codeChallenge, :grantId, :createdAt, :expiresAt, :nonce, :authTime,
                            :resource)""")
                .bindMethods(code)
                .bind("hash", hash)
                .execute();
    }

    /**
     * Marks the code used, in one statement, if it is unused, belongs to {@code clientId} and its
     * user is not disabled; the same statement reads what redemption re-checks
     * ({@link AuthorizationCodes.Redeemed}: one round trip on the token endpoint) and takes the lock
     * of the installation the code's tokens will belong to (lock_installation, V16), which the
     * exchange's store needs held before it begins. Returns the code as it was; empty means
     * unknown, foreign, used or refused.
     */
    public Optional<AuthorizationCodes.Redeemed> consume(Handle handle, byte[] hash, String clientId, Instant now) {
        return new PlainSql().add("UPDATE authorization_codes c SET consumed_at = ?"
                        + " WHERE c.code_hash = ? AND c.client_id = ? AND c.consumed_at IS NULL"
                        + " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id AND u.disabled) RETURNING "
                        + COLUMNS + ", " + STILL_MEMBER + " AS still_member, " + CONSENT_COVERS + " AS consent_covers, "
                        + EMAIL_VERIFIED + " AS email_verified,"
                        + " lock_installation(c.client_id, c.organization_id, c.actor, c.user_id) AS installation_held",
                        now, hash, clientId)
                .query(handle, rs -> new AuthorizationCodes.Redeemed(MAPPER.map(rs, null), rs.getBoolean("still_member"),
                        rs.getBoolean("consent_covers"), rs.getBoolean("email_verified")))
                .stream().findFirst();
    }

    /** Actor self needs any membership of the code's organization; actor app an owner's or admin's. */
    private static final String STILL_MEMBER = """
            (c.organization_id IS NULL OR EXISTS (SELECT 1 FROM memberships m
                WHERE m.organization_id = c.organization_id AND m.user_id = c.user_id
                  AND (c.actor = 'self' OR m.role IN ('owner', 'admin'))))""";
    /** The active consent of exactly this (user, app, organization, actor) includes every scope of the code. */
    private static final String CONSENT_COVERS = """
            EXISTS (SELECT 1 FROM consents k
                WHERE k.user_id = c.user_id AND k.client_id = c.client_id AND k.actor = c.actor
                  AND k.organization_id IS NOT DISTINCT FROM c.organization_id AND k.revoked_at IS NULL
                  AND k.scopes @> string_to_array(c.scope, ' '))""";
    private static final String EMAIL_VERIFIED =
            "coalesce((SELECT u.email_verified FROM users u WHERE u.id = c.user_id), false)";

    public Optional<AuthorizationCode> find(Handle handle, byte[] hash) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM authorization_codes WHERE code_hash = :hash")
                .bind("hash", hash)
                .map(MAPPER)
                .findOne();
    }
}
