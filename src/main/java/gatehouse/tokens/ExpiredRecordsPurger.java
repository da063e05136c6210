package gatehouse.tokens;

import gatehouse.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what can no longer be used or matter, continuously and in small batches, so that a big
 * table never sees a long-running delete (long row locks, a long transaction holding back vacuum,
 * a burst of WAL) and the token tables stop growing under a steady load.
 *
 * <p>What is kept, and for how long:
 * <ul>
 *   <li>authorization codes and JWT access tokens: until a day past their expiry;</li>
 *   <li>opaque access tokens: until a minute past their expiry (a margin for nodes whose clocks
 *       disagree a little). An expired token is refused like an unknown one everywhere (the same
 *       reasons as for revoked ones below), so keeping it longer only grows the table: under a
 *       steady load the table holds the tokens' lifetime plus a minute or two of them;</li>
 *   <li>revoked opaque access tokens: until an hour after their revocation (or the day past expiry,
 *       whichever comes first). Nothing reads a revoked access token: introspection answers {@code active: false}
 *       for a revoked token and an unknown one alike, the token listings show live tokens only,
 *       revocation of an unknown token succeeds (RFC 7009 §2.2), and what happened is in the audit log,
 *       which is never purged. The hour keeps a revocation just made visible to whoever is looking
 *       into it, while a mass revocation (an app's tokens, a disabled user's) no longer holds its rows
 *       for a day. A revoked JWT keeps its row to the day past its expiry: a retired signing key
 *       stays published while a token it signed is unexpired, revoked or not, and the rows are how
 *       that is known;</li>
 *   <li>email verification and password reset links: until they expire;</li>
 *   <li>browser sessions: a week past their end;</li>
 *   <li>grants: a month after their revocation (the refresh tokens of a live grant, rotated ones
 *       included, are what detects the reuse of a stolen one, so they go with their grant only);</li>
 *   <li>a rotated refresh token's successor kept for a retry: once the retry window is over.</li>
 * </ul>
 *
 * <p>Each batch is one statement that deletes at most {@code batchSize} rows chosen by an indexed
 * predicate (migration V13), committing on its own; rows another transaction has locked are skipped
 * (they go in a later pass), so a batch never waits on, or deadlocks with, the requests revoking
 * tokens. A pass repeats each rule while full batches come back, pausing between batches so that
 * a backlog is worked off without taking the database from the requests. One node at a time does
 * it (a session-level advisory lock it only tries to take).
 */
public final class ExpiredRecordsPurger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiredRecordsPurger.class);
    static final long LOCK_KEY = 0x6761746568_01L;
    static final Duration EXPIRED_KEPT = Duration.ofDays(1);
    static final Duration EXPIRED_OPAQUE_KEPT = Duration.ofMinutes(1);
    static final Duration REVOKED_ACCESS_KEPT = Duration.ofHours(1);
    static final Duration SESSIONS_KEPT = Duration.ofDays(7);
    static final Duration REVOKED_GRANTS_KEPT = Duration.ofDays(30);
    /** Small enough for a batch to take milliseconds, large enough for a backlog of millions to go in minutes. */
    public static final int BATCH_SIZE = 1000;
    /** Rows deleted from one table in a pass past which the purger vacuums it. */
    static final int VACUUM_AFTER = 10_000;
    /** Between two batches of a pass: the database serves requests in between. */
    public static final Duration PAUSE = Duration.ofMillis(20);

    /**
     * One kind of row to purge: a table, its key, the predicate (with {@code :before}) that makes a
     * row purgeable, and how long before now {@code :before} lies.
     */
    private record Rule(String table, String key, String purgeable, Duration kept) {
        String batchStatement() {
            return "DELETE FROM " + table + " WHERE " + key + " IN (SELECT " + key + " FROM " + table
                    + " WHERE " + purgeable + " LIMIT :batch FOR UPDATE SKIP LOCKED)";
        }
    }

    private static final List<Rule> RULES = List.of(
            new Rule("authorization_codes", "code_hash", "expires_at < :before", EXPIRED_KEPT),
            new Rule("access_tokens", "token_hash", "expires_at < :before AND signing_key_id IS NULL", EXPIRED_OPAQUE_KEPT),
            new Rule("access_tokens", "token_hash", "expires_at < :before", EXPIRED_KEPT),
            // A JWT keeps its row to expiry: the row is what keeps its signing key published (SigningKeyRepository).
            new Rule("access_tokens", "token_hash", "revoked_at < :before AND signing_key_id IS NULL", REVOKED_ACCESS_KEPT),
            new Rule("browser_sessions", "id", "expires_at < :before OR ended_at < :before", SESSIONS_KEPT),
            new Rule("user_tokens", "token_hash", "expires_at < :before", Duration.ZERO),
            new Rule("pushed_authorization_requests", "request_hash", "expires_at < :before", Duration.ZERO),
            // Kept a while after expiry so a device still polling is told expired_token, not invalid_grant.
            new Rule("device_authorizations", "device_code_hash", "expires_at < :before", EXPIRED_KEPT),
            new Rule("dpop_proofs", "proof_hash", "expires_at < :before", Duration.ZERO),
            new Rule("client_assertions", "assertion_hash", "expires_at < :before", Duration.ZERO),
            // A grant's rows cascade to its refresh and access tokens: fewer grants per batch would not
            // bound that, but the grants are a month past revocation, their tokens mostly purged already.
            new Rule("token_grants", "id", "revoked_at < :before", REVOKED_GRANTS_KEPT));

    /** A rotated token's kept successor serves a retry within the grace window only. */
    private static final String FORGET_SUCCESSORS = """
            UPDATE refresh_tokens SET successor_sealed = NULL WHERE token_hash IN (
                SELECT token_hash FROM refresh_tokens WHERE successor_sealed IS NOT NULL AND rotated_at < :before
                LIMIT :batch FOR UPDATE SKIP LOCKED)""";

    private final Database database;
    private final Clock clock;
    private final int batchSize;
    private final Duration pause;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("gatehouse-purger").factory());

    public ExpiredRecordsPurger(Database database, Clock clock) {
        this(database, clock, BATCH_SIZE, PAUSE);
    }

    /** With another batch size and pause: tests use tiny batches to see a pass go through several. */
    public ExpiredRecordsPurger(Database database, Clock clock, int batchSize, Duration pause) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1");
        }
        this.database = database;
        this.clock = clock;
        this.batchSize = batchSize;
        this.pause = pause;
    }

    /** Runs a pass every {@code every}, the next one starting that long after the previous one ended. */
    public void start(Duration every) {
        scheduler.scheduleWithFixedDelay(this::purgeQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * One pass; returns the number of rows deleted, or -1 when another node holds the lock. An
     * interrupt (the node stopping) ends the pass after the batch in progress.
     */
    /**
     * After a pass that deleted many rows of a table, vacuums it, so the space is reused by the next
     * inserts instead of the table growing on disk. Autovacuum would too, when it is on and keeps up;
     * under steady churn it often does not (and some installations turn it off), and the table then
     * grows although its row count is flat. {@code SKIP_LOCKED}: a table another vacuum holds is left
     * to it. No statement timeout for this one statement: a big table takes longer than requests may.
     */
    private static void vacuumAfterMany(Handle handle, String table, int deleted) {
        if (deleted < VACUUM_AFTER) {
            return;
        }
        try {
            handle.execute("SET statement_timeout = 0");
            handle.execute("VACUUM (SKIP_LOCKED) " + table);
        } catch (RuntimeException e) {
            log.warn("vacuuming {} after the purge failed; autovacuum will have to: {}", table, e.getMessage());
        } finally {
            handle.execute("RESET statement_timeout");
        }
    }

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
                var deletedPerTable = new LinkedHashMap<String, Integer>();
                for (Rule rule : RULES) {
                    int gone = drain(handle, rule.batchStatement(), now.minus(rule.kept()));
                    deletedPerTable.merge(rule.table(), gone, Integer::sum);
                    deleted += gone;
                }
                drain(handle, FORGET_SUCCESSORS, now.minusSeconds(RefreshToken.MAX_GRACE_SECONDS));
                deletedPerTable.forEach((table, gone) -> vacuumAfterMany(handle, table, gone));
                return deleted;
            } finally {
                handle.createQuery("SELECT pg_advisory_unlock(:key)").bind("key", LOCK_KEY).mapTo(Boolean.class).one();
            }
        });
    }

    /** Runs the batch statement until a batch comes back short (or the thread is interrupted); returns the rows. */
    private int drain(Handle handle, String batchStatement, Instant before) {
        int total = 0;
        while (!Thread.currentThread().isInterrupted()) {
            int rows = handle.createUpdate(batchStatement).bind("before", before).bind("batch", batchSize).execute();
            total += rows;
            if (rows < batchSize || !pause()) {
                break;
            }
        }
        return total;
    }

    /** Sleeps between batches; false when interrupted (the interrupt is kept for the caller to see). */
    private boolean pause() {
        if (pause.isZero()) {
            return true;
        }
        try {
            Thread.sleep(pause);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void purgeQuietly() {
        try {
            int deleted = purge();
            if (deleted > 0) {
                log.info("purged {} expired or revoked codes, tokens, sessions and grants", deleted);
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
