package gatehouse.ratelimit;

import gatehouse.errors.OAuthException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Login lockout (docs/http.md, "The management API"): a budget of failed logins per account and client IP together (the
 * username as typed, so an unknown account is locked exactly like a real one — no enumeration),
 * and a larger one per client IP whatever the account, each refilled every 15 minutes. Only
 * failures spend them; while either budget is empty every attempt is refused with 429, even one
 * with the right password. Keying the account's budget by IP too means nobody can lock a named
 * account (the bootstrap admin's, say) from their own address: its owner still signs in from
 * theirs. The buckets live in a {@link BucketStore}, so with Redis a guessing run spread over
 * several nodes meets one budget.
 */
public final class LoginThrottle {
    static final Duration WINDOW = Duration.ofMinutes(15);

    private final boolean enabled;
    private final BucketStore store;
    private final BucketConfiguration perAccountAndIp;
    private final BucketConfiguration perIp;
    private final OncePerPeriod reported = new OncePerPeriod();

    /**
     * @param perAccountAndIp failures allowed per (account, IP) pair (GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT)
     * @param perIp           failures allowed per IP over all accounts (GATEHOUSE_RATE_LIMIT_LOGIN_FAILURES_PER_IP)
     */
    public LoginThrottle(boolean enabled, int perAccountAndIp, int perIp, BucketStore store) {
        this.enabled = enabled;
        this.store = store;
        this.perAccountAndIp = configuration(perAccountAndIp);
        this.perIp = configuration(perIp);
    }

    /**
     * Refuses with 429 and Retry-After when the failures of this account from this IP, or of this
     * IP over all accounts, are used up.
     * {@code onFirstRefusal} runs once per lockout period and (account, IP) on this node (to audit
     * it), not per attempt: a locked attempt costs no hashing, so a flood of them must not turn into
     * a flood of writes.
     */
    public void checkAllowed(String username, String ip, Runnable onFirstRefusal) {
        if (!enabled) {
            return;
        }
        long wait = Math.max(waitSeconds(pairKey(username, ip), perAccountAndIp), waitSeconds(ipKey(ip), perIp));
        if (wait > 0) {
            if (reported.first(pairKey(username, ip), wait)) {
                onFirstRefusal.run();
            }
            throw OAuthException.rateLimited("too many failed logins; try again later", wait);
        }
    }

    /** Spends one failure of the (account, IP) pair's budget and one of the IP's. */
    public void recordFailure(String username, String ip) {
        if (!enabled) {
            return;
        }
        store.apply(pairKey(username, ip), perAccountAndIp, bucket -> bucket.tryConsume(1));
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

    private static String pairKey(String username, String ip) {
        return "login-account|" + (username == null ? "" : username.trim().toLowerCase(Locale.ROOT)) + "|"
                + ClientAddress.of(ip);
    }

    private static String ipKey(String ip) {
        return "login-ip|" + ClientAddress.of(ip);
    }
}
