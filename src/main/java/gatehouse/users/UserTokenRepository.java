package gatehouse.users;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Single-use email links (verification, password reset), kept as SHA-256 hashes. */
public final class UserTokenRepository {
    /** What a link is for; the database names. */
    public enum Purpose {
        VERIFY_EMAIL("verify_email"),
        RESET_PASSWORD("reset_password");

        final String column;

        Purpose(String column) {
            this.column = column;
        }
    }

    /** Stores a new link and forgets the user's earlier ones of that purpose: only the newest works. */
    public void replace(Handle handle, UUID userId, Purpose purpose, byte[] tokenHash, Instant now, Instant expiresAt) {
        handle.createUpdate("DELETE FROM user_tokens WHERE user_id = :userId AND purpose = :purpose")
                .bind("userId", userId).bind("purpose", purpose.column).execute();
        handle.createUpdate("""
                        INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at)
                        VALUES (:hash, :userId, :purpose, :now, :expiresAt)""")
                .bind("hash", tokenHash).bind("userId", userId).bind("purpose", purpose.column)
                .bind("now", now).bind("expiresAt", expiresAt)
                .execute();
    }

    /** Serializes link issuing for (user, purpose) until the transaction ends. */
    public void lock(Handle handle, UUID userId, Purpose purpose) {
        handle.createQuery("SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .bind("key", "user_tokens:" + userId + ":" + purpose.column)
                .mapTo(Integer.class)
                .one();
    }

    /** True when a link of {@code purpose} was sent to the user after {@code since}. */
    public boolean issuedSince(Handle handle, UUID userId, Purpose purpose, Instant since) {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM user_tokens
                                       WHERE user_id = :userId AND purpose = :purpose AND created_at > :since)""")
                .bind("userId", userId).bind("purpose", purpose.column).bind("since", since)
                .mapTo(Boolean.class)
                .one();
    }

    /**
     * Uses up the link: deletes it and returns its user when it exists, is for {@code purpose} and
     * has not expired. Deleting is what makes it single-use, even under concurrent requests.
     */
    public Optional<UUID> consume(Handle handle, Purpose purpose, byte[] tokenHash, Instant now) {
        return handle.createQuery("""
                        DELETE FROM user_tokens WHERE token_hash = :hash AND purpose = :purpose
                        RETURNING user_id, expires_at""")
                .bind("hash", tokenHash).bind("purpose", purpose.column)
                .map((rs, ctx) -> new Used(rs.getObject("user_id", UUID.class),
                        rs.getObject("expires_at", OffsetDateTime.class).toInstant()))
                .findOne()
                .filter(used -> used.expiresAt().isAfter(now))
                .map(Used::userId);
    }

    private record Used(UUID userId, Instant expiresAt) {
    }

    /** Whether an unexpired link with this hash exists; a read, to check before costly work. */
    public boolean isLive(Handle handle, Purpose purpose, byte[] tokenHash, Instant now) {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM user_tokens
                                       WHERE token_hash = :hash AND purpose = :purpose AND expires_at > :now)""")
                .bind("hash", tokenHash).bind("purpose", purpose.column).bind("now", now)
                .mapTo(Boolean.class)
                .one();
    }

    /** Forgets every link of the user (after a reset, earlier links must not work). */
    public void deleteAll(Handle handle, UUID userId) {
        handle.createUpdate("DELETE FROM user_tokens WHERE user_id = :userId").bind("userId", userId).execute();
    }
}
