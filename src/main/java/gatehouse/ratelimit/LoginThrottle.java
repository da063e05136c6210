package gatehouse.ratelimit;

import gatehouse.errors.OAuthException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Login lockout (API.md §5): a budget of failed logins per account (the username as typed, so an
 * unknown account is locked exactly like a real one — no enumeration) and per client IP, each
 * refilled every 15 minutes. Only failures spend it; while either budget is empty every attempt is
 * refused with 429, even one with the right password.
 */
public final class LoginThrottle {
    static final Duration WINDOW = Duration.ofMinutes(15);
    private static final int MAX_TRACKED = 200_000;

    private final boolean enabled;
    private final int perAccount;
    private final int perIp;
    private final Map<String, Bucket> accounts = new ConcurrentHashMap<>();
    private final Map<String, Bucket> ips = new ConcurrentHashMap<>();
    /** (account, IP) → when the lockout already reported ends, in System.nanoTime() terms. */
    private final Map<String, Long> reported = new ConcurrentHashMap<>();

    public LoginThrottle(boolean enabled, int perAccount, int perIp) {
        this.enabled = enabled;
        this.perAccount = perAccount;
        this.perIp = perIp;
    }

    /**
     * Refuses with 429 and Retry-After when the account's or the IP's failures are used up.
     * {@code onFirstRefusal} runs once per lockout period and key (to audit it), not per attempt: a
     * locked attempt costs no hashing, so a flood of them must not turn into a flood of writes.
     */
    public void checkAllowed(String username, String ip, Runnable onFirstRefusal) {
        if (!enabled) {
            return;
        }
        long wait = Math.max(waitSeconds(accounts.get(key(username))), waitSeconds(ips.get(String.valueOf(ip))));
        if (wait > 0) {
            long now = System.nanoTime();
            Long reportedUntil = reported.get(key(username) + "|" + ip);
            if (reportedUntil == null || reportedUntil - now < 0) {
                if (reported.size() > MAX_TRACKED) {
                    reported.clear();
                }
                reported.put(key(username) + "|" + ip, now + TimeUnit.SECONDS.toNanos(wait));
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
        if (accounts.size() > MAX_TRACKED || ips.size() > MAX_TRACKED) {
            forgetRecovered();
        }
        accounts.computeIfAbsent(key(username), k -> bucket(perAccount)).tryConsume(1);
        ips.computeIfAbsent(String.valueOf(ip), k -> bucket(perIp)).tryConsume(1);
    }

    private static long waitSeconds(Bucket bucket) {
        if (bucket == null) {
            return 0;
        }
        var probe = bucket.estimateAbilityToConsume(1);
        return probe.canBeConsumed() ? 0 : TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill()) + 1;
    }

    /** Buckets that are full again hold no information: dropping them bounds the memory. */
    private void forgetRecovered() {
        accounts.values().removeIf(bucket -> bucket.getAvailableTokens() >= perAccount);
        ips.values().removeIf(bucket -> bucket.getAvailableTokens() >= perIp);
    }

    private static Bucket bucket(int failures) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(failures).refillIntervally(failures, WINDOW).build())
                .build();
    }

    private static String key(String username) {
        return username == null ? "" : username.trim().toLowerCase(Locale.ROOT);
    }
}
