package gatehouse.ratelimit;

import gatehouse.errors.OAuthException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Login lockout (API.md §5): a budget of failed logins per account (the username as typed, so an
 * unknown account is locked exactly like a real one — no enumeration) and per client IP, each
 * refilled every 15 minutes. Only failures spend it; while either budget is empty every attempt is
 * refused with 429, even one with the right password. The buckets live in a {@link BucketStore},
 * so with Redis a guessing run spread over several nodes meets one budget.
 */
public final class LoginThrottle {
    static final Duration WINDOW = Duration.ofMinutes(15);

    private final boolean enabled;
    private final BucketStore store;
    private final BucketConfiguration perAccount;
    private final BucketConfiguration perIp;
    private final OncePerPeriod reported = new OncePerPeriod();

    public LoginThrottle(boolean enabled, int perAccount, int perIp, BucketStore store) {
        this.enabled = enabled;
        this.store = store;
        this.perAccount = configuration(perAccount);
        this.perIp = configuration(perIp);
    }

    /**
     * Refuses with 429 and Retry-After when the account's or the IP's failures are used up.
     * {@code onFirstRefusal} runs once per lockout period and (account, IP) on this node (to audit
     * it), not per attempt: a locked attempt costs no hashing, so a flood of them must not turn into
     * a flood of writes.
     */
    public void checkAllowed(String username, String ip, Runnable onFirstRefusal) {
        if (!enabled) {
            return;
        }
        long wait = Math.max(waitSeconds(accountKey(username), perAccount), waitSeconds(ipKey(ip), perIp));
        if (wait > 0) {
            if (reported.first(accountKey(username) + "|" + ip, wait)) {
                onFirstRefusal.run();
            }
            throw OAuthException.rateLimited("too many failed logins; try again later", wait);
        }
    }

    /** Spends one failure of the account's budget and one of the IP's. */
    public void recordFailure(String username, String ip) {
        if (!enabled) {
            return;
        }
        store.apply(accountKey(username), perAccount, bucket -> bucket.tryConsume(1));
        store.apply(ipKey(ip), perIp, bucket -> bucket.tryConsume(1));
    }

    private long waitSeconds(String key, BucketConfiguration configuration) {
        long nanos = store.apply(key, configuration, LoginThrottle::nanosUntilOneFailureAllowed);
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos) + 1;
    }

    private static long nanosUntilOneFailureAllowed(Bucket bucket) {
        var probe = bucket.estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? 0 : probe.getNanosToWaitForRefill();
    }

    private static BucketConfiguration configuration(int failures) {
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(failures).refillIntervally(failures, WINDOW).build())
                .build();
    }

    private static String accountKey(String username) {
        return "login-account|" + (username == null ? "" : username.trim().toLowerCase(Locale.ROOT));
    }

    private static String ipKey(String ip) {
        return "login-ip|" + ip;
    }
}
