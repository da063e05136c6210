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
 * Renews tokens before they expire (every 60 s), so lookups rarely wait for a refresh, and runs the
 * scheduled {@link CredentialChecks}. Each node
 * claims what is due (nodes never claim the same credential twice in a row), renews it through the
 * same leased refresh the lookups use, and tries one that failed again later, backing off (with
 * jitter) the more it fails.
 */
public final class VaultRefresher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VaultRefresher.class);
    /** How long a claimed credential is left to the node that claimed it. */
    private static final Duration CLAIM = Duration.ofMinutes(3);
    private static final Duration MAX_BACKOFF = Duration.ofHours(1);

    private final Database database;
    private final VaultRepository vault;
    private final TokenLookup service;
    private final CredentialChecks checks;
    private final Clock clock;
    private final Duration horizon;
    private volatile boolean running = true;
    private volatile Instant lastRunAt;
    private Thread loop;

    public VaultRefresher(Database database, VaultRepository vault, TokenLookup service, CredentialChecks checks,
                          Clock clock, Duration skew) {
        this.database = database;
        this.vault = vault;
        this.service = service;
        this.checks = checks;
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

    /**
     * One pass: claims the credentials due (one short statement; a claimed one is skipped by every
     * other node for a while), then renews each with no transaction open, so a slow provider holds
     * no pooled connection. One credential failing, however, never stops the rest.
     */
    public void runOnce() {
        Instant now = clock.instant();
        List<UUID> due = database.withHandle(h -> vault.claimDueForRefresh(h, now.plus(horizon), now, now.plus(CLAIM), 100));
        for (UUID id : due) {
            boolean settled;
            try {
                settled = service.refreshQuietly(id, horizon);
            } catch (RuntimeException e) {
                log.warn("vault refresher: credential {} could not be renewed: {}", id, e.toString());
                settled = false;
            }
            if (!settled) {
                backOff(id);
            }
        }
        try {
            checks.runOnce();
        } catch (RuntimeException e) {
            log.warn("vault credential checks failed: {}", e.toString());
        }
        lastRunAt = now;
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
