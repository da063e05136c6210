package gatehouse.vault;

import gatehouse.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews tokens before they expire (API.md §6: every 60 s), so lookups rarely wait for a refresh.
 * One node at a time (a transaction-scoped advisory lock held for the pass); each credential is
 * renewed through the same locked refresh the lookups use; one that fails is tried again later,
 * backing off (with jitter) the more it fails.
 */
public final class VaultRefresher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VaultRefresher.class);
    private static final long LOCK_KEY = 0x6761746576617574L; // "gatevaut"
    private static final Duration MAX_BACKOFF = Duration.ofHours(1);

    private final Database database;
    private final VaultRepository vault;
    private final TokenLookup service;
    private final Clock clock;
    private final Duration horizon;
    private volatile boolean running = true;
    private volatile Instant lastRunAt;
    private Thread loop;

    public VaultRefresher(Database database, VaultRepository vault, TokenLookup service, Clock clock, Duration skew) {
        this.database = database;
        this.vault = vault;
        this.service = service;
        this.clock = clock;
        // Renew a little before lookups would have to: twice the skew, at least ten minutes.
        this.horizon = skew.multipliedBy(2).compareTo(Duration.ofMinutes(10)) < 0 ? Duration.ofMinutes(10) : skew.multipliedBy(2);
    }

    public void start(Duration every) {
        loop = Thread.ofVirtual().name("gatehouse-vault-refresher").start(() -> {
            while (running) {
                try {
                    Thread.sleep(every.toMillis() + ThreadLocalRandom.current().nextLong(every.toMillis() / 10 + 1));
                    runOnce();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn("vault refresher pass failed: {}", e.toString());
                }
            }
        });
    }

    /** One pass, if no other node is running one. */
    public void runOnce() {
        database.inTransaction(handle -> {
            boolean mine = handle.createQuery("SELECT pg_try_advisory_xact_lock(:key)").bind("key", LOCK_KEY)
                    .mapTo(Boolean.class).one();
            if (!mine) {
                return null;
            }
            Instant now = clock.instant();
            List<UUID> due = database.withHandle(h -> vault.dueForRefresh(h, now.plus(horizon), now, 100));
            for (UUID id : due) {
                if (!service.refreshQuietly(id, horizon)) {
                    backOff(id);
                }
            }
            lastRunAt = now;
            return null;
        });
    }

    private void backOff(UUID credentialId) {
        database.withHandle(handle -> {
            int failures = vault.findCredential(handle, credentialId).map(VaultRepository.StoredCredential::refreshFailures)
                    .orElse(0);
            long seconds = Math.min(MAX_BACKOFF.toSeconds(), 30L << Math.min(failures, 10));
            long jittered = seconds / 2 + ThreadLocalRandom.current().nextLong(seconds / 2 + 1);
            vault.recordRefreshFailure(handle, credentialId, clock.instant().plusSeconds(jittered));
            return null;
        });
    }

    public Instant lastRunAt() {
        return lastRunAt;
    }

    @Override
    public void close() {
        running = false;
        if (loop != null) {
            loop.interrupt();
        }
    }
}
