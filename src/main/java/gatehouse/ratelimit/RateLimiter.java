package gatehouse.ratelimit;

import gatehouse.errors.OAuthException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Request budgets per minute (API.md §5): per app on the token, introspection and revocation
 * endpoints, per token or session on the management API. Each answer carries RateLimit-Limit,
 * RateLimit-Remaining and RateLimit-Reset; past the budget, 429 with Retry-After. Counted on this
 * node for now.
 */
public final class RateLimiter {
    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int MAX_TRACKED = 200_000;

    /** A limit's name and its budget per minute. */
    public record Limit(String name, int perMinute) {
    }

    /** What {@code GET /api/v1/oauth/rate-limits} shows of one limit. */
    public record Status(String name, int limit, long remaining, long resetSeconds, long windowSeconds) {
    }

    private final boolean enabled;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(boolean enabled) {
        this.enabled = enabled;
    }

    /** Spends one request of {@code limit} for {@code key}, setting the headers; 429 when spent. */
    public void consume(Context ctx, Limit limit, String key) {
        if (!enabled) {
            return;
        }
        if (buckets.size() > MAX_TRACKED) {
            buckets.clear(); // a flood of keys: start over rather than grow without bound
        }
        ConsumptionProbe probe = bucket(limit, key).tryConsumeAndReturnRemaining(1);
        long reset = seconds(probe.getNanosToWaitForReset());
        ctx.header("RateLimit-Limit", Integer.toString(limit.perMinute()))
                .header("RateLimit-Remaining", Long.toString(probe.getRemainingTokens()))
                .header("RateLimit-Reset", Long.toString(reset));
        if (!probe.isConsumed()) {
            throw OAuthException.rateLimited("rate limit " + limit.name() + " exceeded; try again later",
                    seconds(probe.getNanosToWaitForRefill()));
        }
    }

    /** The state of {@code limits} for {@code key}, without spending anything. */
    public List<Status> status(String key, List<Limit> limits) {
        List<Status> statuses = new ArrayList<>();
        for (Limit limit : limits) {
            Bucket bucket = buckets.get(bucketKey(limit, key));
            long remaining = bucket == null ? limit.perMinute() : bucket.getAvailableTokens();
            long reset = bucket == null ? 0 : seconds(bucket.estimateAbilityToConsume(limit.perMinute()).getNanosToWaitForRefill());
            statuses.add(new Status(limit.name(), limit.perMinute(), remaining, reset, WINDOW.toSeconds()));
        }
        return statuses;
    }

    public boolean enabled() {
        return enabled;
    }

    private Bucket bucket(Limit limit, String key) {
        return buckets.computeIfAbsent(bucketKey(limit, key), k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(limit.perMinute()).refillIntervally(limit.perMinute(), WINDOW).build())
                .build());
    }

    private static String bucketKey(Limit limit, String key) {
        return limit.name() + "|" + key;
    }

    private static long seconds(long nanos) {
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos) + 1;
    }
}
