package gatehouse.users;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** Browser sessions. "Active" means not ended and not expired at the given instant. */
public final class SessionRepository {
    private static final RowMapper<BrowserSession> MAPPER = ConstructorMapper.of(BrowserSession.class);

    /** A session together with its user, as one lookup returns them. */
    public record Found(BrowserSession session, User user) {
    }

    public void insert(Handle handle, BrowserSession session, byte[] tokenHash) {
        handle.createUpdate("""
                        INSERT INTO browser_sessions (id, token_hash, csrf_token, user_id, ip, user_agent, created_at,
                                                      last_seen_at, expires_at)
                        VALUES (:id, :tokenHash, :csrfToken, :userId, :ip, :userAgent, :createdAt, :lastSeenAt, :expiresAt)""")
                .bindMethods(session)
                .bind("tokenHash", tokenHash)
                .execute();
    }

    /** The active session whose cookie hashes to {@code tokenHash}, with its user; empty otherwise. */
    public Optional<Found> findActive(Handle handle, byte[] tokenHash, Instant now) {
        return handle.createQuery("""
                        SELECT s.id, s.user_id, s.csrf_token, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at,
                               u.id AS u_id, u.username AS u_username, u.password_hash AS u_password_hash, u.name AS u_name,
                               u.roles AS u_roles, u.email_verified AS u_email_verified, u.disabled AS u_disabled,
                               u.created_at AS u_created_at, u.updated_at AS u_updated_at
                        FROM browser_sessions s JOIN users u ON u.id = s.user_id
                        WHERE s.token_hash = :hash AND s.ended_at IS NULL AND s.expires_at > :now""")
                .bind("hash", tokenHash)
                .bind("now", now)
                .map((rs, ctx) -> new Found(
                        MAPPER.map(rs, ctx),
                        ConstructorMapper.of(User.class, "u").map(rs, ctx)))
                .findOne();
    }

    public void touch(Handle handle, UUID id, Instant now) {
        handle.createUpdate("UPDATE browser_sessions SET last_seen_at = :now WHERE id = :id")
                .bind("id", id)
                .bind("now", now)
                .execute();
    }

    public List<BrowserSession> listActive(Handle handle, UUID userId, Instant now) {
        return handle.createQuery("""
                        SELECT id, user_id, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at
                        FROM browser_sessions WHERE user_id = :userId AND ended_at IS NULL AND expires_at > :now
                        ORDER BY created_at DESC""")
                .bind("userId", userId)
                .bind("now", now)
                .map(MAPPER)
                .list();
    }

    /** Ends one of the user's sessions; false when it is not theirs or already over. */
    public boolean end(Handle handle, UUID userId, UUID id, Instant now) {
        return handle.createUpdate("""
                        UPDATE browser_sessions SET ended_at = :now
                        WHERE id = :id AND user_id = :userId AND ended_at IS NULL""")
                .bind("id", id)
                .bind("userId", userId)
                .bind("now", now)
                .execute() == 1;
    }

    /** Ends every session of the user (a disabled account, a password reset). */
    public int endAll(Handle handle, UUID userId, Instant now) {
        return handle.createUpdate("UPDATE browser_sessions SET ended_at = :now WHERE user_id = :userId AND ended_at IS NULL")
                .bind("userId", userId)
                .bind("now", now)
                .execute();
    }

    /** Ends every session of the user but {@code keep} (a password change from that session). */
    public int endOthers(Handle handle, UUID userId, UUID keep, Instant now) {
        return handle.createUpdate("""
                        UPDATE browser_sessions SET ended_at = :now
                        WHERE user_id = :userId AND id <> :keep AND ended_at IS NULL""")
                .bind("userId", userId)
                .bind("keep", keep)
                .bind("now", now)
                .execute();
    }
}
