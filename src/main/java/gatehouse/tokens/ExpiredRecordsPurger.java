package gatehouse.tokens;

import gatehouse.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what can no longer be used or matter: codes and access tokens a day past expiry,
 * email verification and password reset links once expired,
 * browser sessions a week past their end, grants revoked a month ago. One node at a time does it
 * (a session-level advisory lock it only tries to take).
 */
public final class ExpiredRecordsPurger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiredRecordsPurger.class);
    private static final long LOCK_KEY = 0x6761746568_01L;
    private static final Duration EXPIRED_KEPT = Duration.ofDays(1);
    private static final Duration SESSIONS_KEPT = Duration.ofDays(7);
    private static final Duration REVOKED_GRANTS_KEPT = Duration.ofDays(30);

    private final Database database;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("gatehouse-purger").factory());

    public ExpiredRecordsPurger(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public void start(Duration every) {
        scheduler.scheduleWithFixedDelay(this::purgeQuietly, every.toSeconds(), every.toSeconds(), TimeUnit.SECONDS);
    }

    /** One pass; returns the number of rows deleted, or -1 when another node holds the lock. */
    public int purge() {
        Instant now = clock.instant();
        return database.withHandle(handle -> {
            boolean locked = handle.createQuery("SELECT pg_try_advisory_lock(:key)").bind("key", LOCK_KEY)
                    .mapTo(Boolean.class).one();
            if (!locked) {
                return -1;
            }
            try {
                int deleted = 0;
                deleted += handle.createUpdate("DELETE FROM authorization_codes WHERE expires_at < :before")
                        .bind("before", now.minus(EXPIRED_KEPT)).execute();
                deleted += handle.createUpdate("DELETE FROM access_tokens WHERE expires_at < :before")
                        .bind("before", now.minus(EXPIRED_KEPT)).execute();
                deleted += handle.createUpdate("""
                                DELETE FROM browser_sessions WHERE expires_at < :before OR ended_at < :before""")
                        .bind("before", now.minus(SESSIONS_KEPT)).execute();
                deleted += handle.createUpdate("DELETE FROM user_tokens WHERE expires_at < :now")
                        .bind("now", now).execute();
                deleted += handle.createUpdate("DELETE FROM token_grants WHERE revoked_at < :before")
                        .bind("before", now.minus(REVOKED_GRANTS_KEPT)).execute();
                // A rotated token's kept successor serves a retry within the grace window only.
                handle.createUpdate("""
                                UPDATE refresh_tokens SET successor_sealed = NULL
                                WHERE successor_sealed IS NOT NULL AND rotated_at < :before""")
                        .bind("before", now.minusSeconds(RefreshToken.MAX_GRACE_SECONDS)).execute();
                return deleted;
            } finally {
                handle.createQuery("SELECT pg_advisory_unlock(:key)").bind("key", LOCK_KEY).mapTo(Boolean.class).one();
            }
        });
    }

    private void purgeQuietly() {
        try {
            int deleted = purge();
            if (deleted > 0) {
                log.info("purged {} expired codes, tokens, sessions and grants", deleted);
            }
        } catch (RuntimeException e) {
            log.warn("purging expired records failed; will try again: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
