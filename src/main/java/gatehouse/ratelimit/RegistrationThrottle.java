package gatehouse.ratelimit;

import gatehouse.errors.OAuthException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Open registration per client IP (GATEHOUSE_RATE_LIMIT_REGISTRATIONS_PER_IP an hour): every
 * attempt that passes the cheap checks, and so costs a database lookup and maybe an Argon2 hash,
 * spends one; past the budget, 429 with Retry-After. Admins creating users are not counted.
 */
public final class RegistrationThrottle {
    static final Duration WINDOW = Duration.ofHours(1);

    private final boolean enabled;
    private final BucketStore store;
    private final BucketConfiguration perIp;
    private final OncePerPeriod reported = new OncePerPeriod();

    public RegistrationThrottle(boolean enabled, int perIp, BucketStore store) {
        this.enabled = enabled;
        this.store = store;
        this.perIp = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(perIp).refillIntervally(perIp, WINDOW).build())
                .build();
    }

    /**
     * Spends one registration of {@code ip}'s budget, or refuses with 429 when it is used up.
     * {@code onFirstRefusal} runs once per window and IP on this node (to audit it).
     */
    public void spend(String ip, Runnable onFirstRefusal) {
        if (!enabled) {
            return;
        }
        String key = "registration-ip|" + ClientAddress.of(ip);
        ConsumptionProbe probe = store.apply(key, perIp, bucket -> bucket.tryConsumeAndReturnRemaining(1));
        if (!probe.isConsumed()) {
            long wait = TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill()) + 1;
            if (reported.first(key, wait)) {
                onFirstRefusal.run();
            }
            throw OAuthException.rateLimited("too many registrations from this address; try again later", wait);
        }
    }
}
