package gatehouse.oauth;

import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** Authorization codes by the SHA-256 of their value. */
public final class AuthorizationCodeRepository {
    private static final RowMapper<AuthorizationCode> MAPPER = ConstructorMapper.of(AuthorizationCode.class);
    private static final String COLUMNS = """
            client_id, user_id, organization_id, actor, scope, redirect_uri, redirect_uri_sent, code_challenge,
            grant_id, created_at, expires_at, consumed_at""";

    public void insert(Handle handle, AuthorizationCode code, byte[] hash) {
        handle.createUpdate("""
                        INSERT INTO authorization_codes (code_hash, client_id, user_id, organization_id, actor, scope, redirect_uri,
                            redirect_uri_sent, code_challenge, grant_id, created_at, expires_at)
                        VALUES (:hash, :clientId, :userId, :organizationId, :actor, :scope, :redirectUri,
                            :redirectUriSent, :codeChallenge, :grantId, :createdAt, :expiresAt)""")
                .bindMethods(code)
                .bind("hash", hash)
                .execute();
    }

    /**
     * Marks the code used, in one statement, if it is unused, belongs to {@code clientId} and its
     * user is not disabled. Returns the code as it was; empty means unknown, foreign, used or refused.
     */
    public Optional<AuthorizationCode> consume(Handle handle, byte[] hash, String clientId, Instant now) {
        return handle.createQuery("UPDATE authorization_codes SET consumed_at = :now"
                        + " WHERE code_hash = :hash AND client_id = :clientId AND consumed_at IS NULL"
                        + " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.disabled) RETURNING " + COLUMNS)
                .bind("hash", hash)
                .bind("clientId", clientId)
                .bind("now", now)
                .map(MAPPER)
                .findOne();
    }

    public Optional<AuthorizationCode> find(Handle handle, byte[] hash) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM authorization_codes WHERE code_hash = :hash")
                .bind("hash", hash)
                .map(MAPPER)
                .findOne();
    }
}
