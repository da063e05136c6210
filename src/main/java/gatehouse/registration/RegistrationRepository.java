package gatehouse.registration;

import gatehouse.store.Rows;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** Initial access tokens and the registrations they made, by SHA-256 of the token values. */
public final class RegistrationRepository {
    private static final String COLUMNS = "id, organization_id, created_by, created_at, expires_at, max_uses, uses, revoked_at";
    private static final RowMapper<InitialAccessToken> MAPPER = (rs, ctx) -> new InitialAccessToken(Rows.uuid(rs, "id"),
            Rows.uuid(rs, "organization_id"), Rows.uuid(rs, "created_by"), Rows.instant(rs, "created_at"),
            Rows.instant(rs, "expires_at"), rs.getInt("max_uses"), rs.getInt("uses"), Rows.instant(rs, "revoked_at"));

    public void insertInitial(Handle handle, InitialAccessToken token, byte[] hash) {
        handle.createUpdate("""
                        INSERT INTO initial_access_tokens (id, organization_id, token_hash, created_by, created_at,
                            expires_at, max_uses)
                        VALUES (:id, :organizationId, :hash, :createdBy, :createdAt, :expiresAt, :maxUses)""")
                .bindMethods(token)
                .bind("hash", hash)
                .execute();
    }

    /** The organization's tokens, newest first, at most 200 (a few are made at a time, and they expire). */
    public List<InitialAccessToken> listInitial(Handle handle, UUID organizationId) {
        return handle.createQuery("SELECT " + COLUMNS
                        + " FROM initial_access_tokens WHERE organization_id = :orgId ORDER BY created_at DESC LIMIT 200")
                .bind("orgId", organizationId)
                .map(MAPPER)
                .list();
    }

    /** Revokes one of the organization's tokens; false when there is no such live token there. */
    public boolean revokeInitial(Handle handle, UUID organizationId, UUID id, Instant now) {
        return handle.createUpdate("""
                        UPDATE initial_access_tokens SET revoked_at = :now
                        WHERE id = :id AND organization_id = :orgId AND revoked_at IS NULL""")
                .bind("now", now)
                .bind("id", id)
                .bind("orgId", organizationId)
                .execute() == 1;
    }

    /** A use of an initial access token: which one, and the organization the app is registered into. */
    public record Spent(UUID id, UUID organizationId) {
    }

    /**
     * Spends one use of the token, in one statement (two registrations at once cannot both take
     * its last use): empty when it is unknown, revoked, expired or used up.
     */
    public Optional<Spent> spendInitial(Handle handle, byte[] hash, Instant now) {
        return handle.createQuery("""
                        UPDATE initial_access_tokens SET uses = uses + 1
                        WHERE token_hash = :hash AND revoked_at IS NULL AND expires_at > :now AND uses < max_uses
                        RETURNING id, organization_id""")
                .bind("hash", hash)
                .bind("now", now)
                .map((rs, ctx) -> new Spent(Rows.uuid(rs, "id"), Rows.uuid(rs, "organization_id")))
                .findOne();
    }

    public void insertRegistration(Handle handle, String clientId, byte[] tokenHash, UUID initialId, Instant now) {
        handle.createUpdate("""
                        INSERT INTO client_registrations (client_id, token_hash, initial_access_token_id, created_at)
                        VALUES (:clientId, :hash, :initialId, :now)""")
                .bind("clientId", clientId)
                .bind("hash", tokenHash)
                .bind("initialId", initialId)
                .bind("now", now)
                .execute();
    }

    /** Replaces the app's registration access token, if {@code presentedHash} is still its current one. */
    public boolean rotateRegistrationToken(Handle handle, String clientId, byte[] presentedHash, byte[] newHash) {
        return handle.createUpdate("""
                        UPDATE client_registrations SET token_hash = :newHash
                        WHERE client_id = :clientId AND token_hash = :presentedHash""")
                .bind("newHash", newHash)
                .bind("clientId", clientId)
                .bind("presentedHash", presentedHash)
                .execute() == 1;
    }

    /** The SHA-256 of the app's registration access token, if it was registered dynamically. */
    public Optional<byte[]> registrationTokenHash(Handle handle, String clientId) {
        return handle.createQuery("SELECT token_hash FROM client_registrations WHERE client_id = :clientId")
                .bind("clientId", clientId)
                .mapTo(byte[].class)
                .findOne();
    }
}
