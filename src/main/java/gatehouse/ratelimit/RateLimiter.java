package gatehouse.ratelimit;

import gatehouse.errors.OAuthException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Request budgets per minute (docs/http.md, "The management API"): per app on the token, introspection and revocation
 * endpoints, per token or session on the management API. Each answer carries RateLimit-Limit,
 * RateLimit-Remaining and RateLimit-Reset; past the budget, 429 with Retry-After. The buckets live
 * in a {@link BucketStore}: Redis shared by every node, or this node's memory.
 *
 * <p>An app's budget is spent only by requests that succeed: whoever knows a client_id can send
 * bad grants or bad secrets for it, and must not be able to use up the app's budget that way. The
 * endpoints therefore check first ({@link #refuseIfSpent}, which spends nothing) and spend after
 * the work succeeded ({@link #spend}). A public app's client_id is no secret at all, so its budget
 * is kept per caller IP as well.
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

    /**
     * Told once per window and bucket when a budget runs out (to audit it without a write per
     * refusal): {@code key} is the app's client_id for the per-app limits (also for a public app's
     * per-IP budgets), the token or session key for the management API.
     */
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
        setHeaders(ctx, limit, probe.getRemainingTokens(), probe.getNanosToWaitForReset());
        if (!probe.isConsumed()) {
            refuse(limit, bucketKey(limit, key), key, probe.getNanosToWaitForRefill());
        }
    }

    /**
     * Spends one request of {@code limit} for {@code key} without touching the answer's headers (the
     * vault proxy passes the provider's own rate-limit headers back); 429 when spent.
     */
    public void consumeQuietly(Limit limit, String key) {
        if (!enabled) {
            return;
        }
        ConsumptionProbe probe = store.apply(bucketKey(limit, key), limit.configuration(),
                bucket -> bucket.tryConsumeAndReturnRemaining(1));
        if (!probe.isConsumed()) {
            refuse(limit, bucketKey(limit, key), key, probe.getNanosToWaitForRefill());
        }
    }

    private static void setHeaders(Context ctx, Limit limit, long remaining, long nanosToReset) {
        ctx.header("RateLimit-Limit", Integer.toString(limit.perMinute()))
                .header("RateLimit-Remaining", Long.toString(Math.max(0, remaining)))
                .header("RateLimit-Reset", Long.toString(seconds(nanosToReset)));
    }

    /** 429; the listener hears of it once per window and bucket, told {@code who} ran out. */
    private void refuse(Limit limit, String bucketKey, String who, long nanosToWait) {
        long retryAfter = seconds(nanosToWait);
        if (reported.first(bucketKey, retryAfter)) {
            listener.exceeded(limit, who);
        }
        throw OAuthException.rateLimited("rate limit " + limit.name() + " exceeded; try again later", retryAfter);
    }

    /**
     * Before an app's request is worked on: 429 (with the headers) when its budget for {@code limit}
     * is already empty. Spends nothing, and costs one store operation.
     */
    public void refuseIfSpent(Context ctx, Limit limit, String clientId, boolean publicClient) {
        if (!enabled) {
            return;
        }
        String bucketKey = bucketKey(limit, appKey(clientId, publicClient, ctx.ip()));
        VerboseResult<EstimationProbe> result = store.apply(bucketKey, limit.configuration(),
                bucket -> bucket.asVerbose().estimateAbilityToConsume(1));
        EstimationProbe probe = result.getValue();
        setHeaders(ctx, limit, probe.getRemainingTokens(), result.getDiagnostics().calculateFullRefillingTime());
        if (!probe.canBeConsumed()) {
            refuse(limit, bucketKey, clientId, probe.getNanosToWaitForRefill());
        }
    }

    /**
     * After an app's request succeeded: spends one unit of its budget for {@code limit} and sets the
     * headers. Always spends, even past the budget (requests racing past the check become a debt
     * the next refill pays), and costs one store operation.
     */
    public void spend(Context ctx, Limit limit, String clientId, boolean publicClient) {
        if (!enabled) {
            return;
        }
        VerboseResult<Long> result = store.apply(bucketKey(limit, appKey(clientId, publicClient, ctx.ip())), limit.configuration(),
                bucket -> bucket.asVerbose().consumeIgnoringRateLimits(1));
        setHeaders(ctx, limit, result.getDiagnostics().getAvailableTokens(),
                result.getDiagnostics().calculateFullRefillingTime());
    }

    /** Whose budget an app's request spends: the app's, or for a public app the app's from this IP. */
    public static String appKey(String clientId, boolean publicClient, String ip) {
        return publicClient ? clientId + "|" + ClientAddress.of(ip) : clientId;
    }

    /** The state of {@code limits} for {@code key}, without spending anything. */
    public List<Status> status(String key, List<Limit> limits) {
        List<Status> statuses = new ArrayList<>();
        for (Limit limit : limits) {
            long[] state = enabled
                    ? store.apply(bucketKey(limit, key), limit.configuration(), bucket -> new long[] {
                            Math.max(0, bucket.getAvailableTokens()),
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
