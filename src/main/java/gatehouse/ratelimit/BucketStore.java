package gatehouse.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.util.function.Function;

/** Where token buckets live: this node's memory, or a Redis every node shares. */
public interface BucketStore extends AutoCloseable {
    /** What {@code /health} reports for the store: "disabled" (no Redis), "ok" or "degraded". */
    String health();

    /**
     * Runs {@code operation} on the bucket named {@code key}, created with {@code configuration} if
     * it does not exist yet. Never fails for the store's sake: a store that cannot answer falls back
     * to counting on this node.
     */
    <T> T apply(String key, BucketConfiguration configuration, Function<Bucket, T> operation);

    @Override
    void close();
}
