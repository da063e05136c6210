package gatehouse.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Buckets in this node's memory: each node counts alone. */
public final class LocalBuckets implements BucketStore {
    private static final int MAX_TRACKED = 200_000;

    private record Entry(Bucket bucket, long capacity) {
    }

    private final Map<String, Entry> buckets = new ConcurrentHashMap<>();

    @Override
    public String health() {
        return "disabled";
    }

    @Override
    public <T> T apply(String key, BucketConfiguration configuration, Function<Bucket, T> operation) {
        if (buckets.size() > MAX_TRACKED) {
            forgetFull();
        }
        Entry entry = buckets.computeIfAbsent(key, k -> newEntry(configuration));
        return operation.apply(entry.bucket());
    }

    private static Entry newEntry(BucketConfiguration configuration) {
        var builder = Bucket.builder();
        for (Bandwidth bandwidth : configuration.getBandwidths()) {
            builder.addLimit(bandwidth);
        }
        return new Entry(builder.build(), configuration.getBandwidths()[0].getCapacity());
    }

    /**
     * A flood of keys: buckets that are full again hold no information and go first; if that is not
     * enough, every bucket goes, rather than memory growing without bound.
     */
    private void forgetFull() {
        buckets.values().removeIf(entry -> entry.bucket().getAvailableTokens() >= entry.capacity());
        if (buckets.size() > MAX_TRACKED / 2) {
            buckets.clear();
        }
    }

    @Override
    public void close() {
        buckets.clear();
    }
}
