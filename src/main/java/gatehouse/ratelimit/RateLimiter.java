package gatehouse.ratelimit;

import gatehouse.errors.OAuthException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Request budgets per minute (API.md §5): per app on the token, introspection and revocation
 * endpoints, per token or session on the management API. Each answer carries RateLimit-Limit,
 * RateLimit-Remaining and RateLimit-Reset; past the budget, 429 with Retry-After. The buckets live
 * in a {@link BucketStore}: Redis shared by every node, or this node's memory.
 */
public final class RateLimiter {
    static final Duration WINDOW = Duration.ofMinutes(1);

    /** A limit's name and its budget per minute (with the bucket shape that enforces it). */
    public record Limit(String name, int perMinute, BucketConfiguration configuration) {
        public Limit(String name, int perMinute) {
            this(name, perMinute, BucketConfiguration.builder()
                    .addLimit(Bandwidth.builder().capacity(perMinute).refillIntervally(perMinute, WINDOW).build())
                    .build());
        }
    }

    /** What {@code GET /api/v1/oauth/rate-limits} shows of one limit. */
    public record Status(String name, int limit, long remaining, long resetSeconds, long windowSeconds) {
    }

    /** Told once per window and key when a budget runs out (to audit it without a write per refusal). */
    public interface ExceededListener {
        void exceeded(Limit limit, String key);
    }

    private final boolean enabled;
    private final BucketStore store;
    private final ExceededListener listener;
    private final OncePerPeriod reported = new OncePerPeriod();

    public RateLimiter(boolean enabled, BucketStore store, ExceededListener listener) {
        this.enabled = enabled;
        this.store = store;
        this.listener = listener;
    }

    /** Spends one request of {@code limit} for {@code key}, setting the headers; 429 when spent. */
    public void consume(Context ctx, Limit limit, String key) {
        if (!enabled) {
            return;
        }
        ConsumptionProbe probe = store.apply(bucketKey(limit, key), limit.configuration(),
                bucket -> bucket.tryConsumeAndReturnRemaining(1));
        long reset = seconds(probe.getNanosToWaitForReset());
        ctx.header("RateLimit-Limit", Integer.toString(limit.perMinute()))
                .header("RateLimit-Remaining", Long.toString(probe.getRemainingTokens()))
                .header("RateLimit-Reset", Long.toString(reset));
        if (!probe.isConsumed()) {
            long retryAfter = seconds(probe.getNanosToWaitForRefill());
            if (reported.first(bucketKey(limit, key), retryAfter)) {
                listener.exceeded(limit, key);
            }
            throw OAuthException.rateLimited("rate limit " + limit.name() + " exceeded; try again later", retryAfter);
        }
    }

    /** The state of {@code limits} for {@code key}, without spending anything. */
    public List<Status> status(String key, List<Limit> limits) {
        List<Status> statuses = new ArrayList<>();
        for (Limit limit : limits) {
            long[] state = enabled
                    ? store.apply(bucketKey(limit, key), limit.configuration(), bucket -> new long[] {
                            bucket.getAvailableTokens(),
                            bucket.estimateAbilityToConsume(limit.perMinute()).getNanosToWaitForRefill()})
                    : new long[] {limit.perMinute(), 0};
            statuses.add(new Status(limit.name(), limit.perMinute(), state[0], seconds(state[1]), WINDOW.toSeconds()));
        }
        return statuses;
    }

    public boolean enabled() {
        return enabled;
    }

    private static String bucketKey(Limit limit, String key) {
        return limit.name() + "|" + key;
    }

    private static long seconds(long nanos) {
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toSeconds(nanos) + 1;
    }
}
