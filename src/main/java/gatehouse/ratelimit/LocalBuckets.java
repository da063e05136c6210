package gatehouse.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/** Buckets in this node's memory: each node counts alone. */
public final class LocalBuckets implements BucketStore {
    private static final int MAX_TRACKED = 200_000;

    private record Entry(Bucket bucket, long capacity) {
    }

    private final Map<String, Entry> buckets = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean(false);

    @Override
    public String health() {
        return "disabled";
    }

    @Override
    public <T> T apply(String key, BucketConfiguration configuration, Function<Bucket, T> operation) {
        if (buckets.size() > MAX_TRACKED && sweeping.compareAndSet(false, true)) {
            try {
                forgetFull();
            } finally {
                sweeping.set(false);
            }
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
     * Many keys: buckets that are full again hold no information and go. Partly spent ones stay,
     * whatever their number: dropping them would hand a locked-out password guesser a fresh budget.
     * (They grow only as fast as failed logins, each of which costs an Argon2 hash, or as
     * authenticated apps and sessions.)
     */
    private void forgetFull() {
        buckets.values().removeIf(entry -> entry.bucket().getAvailableTokens() >= entry.capacity());
    }

    @Override
    public void close() {
        buckets.clear();
    }
}
