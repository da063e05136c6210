package gatehouse.store;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Rows kept in memory only while a {@link ChangeFeed} is heard, so correctness never depends on
 * the cache: an entry is served only while the feed is up and before its own expiry; a load that
 * overlapped an eviction is answered but not kept (it may have read the row just before the change);
 * nothing absent is remembered. Bounded: when full, expired entries go first, then everything.
 *
 * @param <K> the key (with value equality)
 * @param <V> the immutable value loaded for it
 */
public final class NotifiedCache<K, V> {
    /** Whether changes are being heard now ({@link ChangeFeed#listening()}). */
    private final BooleanSupplier feedUp;
    private final Clock clock;
    private final int maxEntries;
    /** How long a value loaded at the given instant may be served: never past what it says of itself. */
    private final BiFunction<V, Instant, Instant> lifetime;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
    /** Bumped by every eviction: a load that overlapped one must not be kept. */
    private final AtomicLong evictions = new AtomicLong();

    private record Entry<V>(V value, Instant expires) {
    }

    public NotifiedCache(BooleanSupplier feedUp, Clock clock, int maxEntries, BiFunction<V, Instant, Instant> lifetime) {
        this.feedUp = feedUp;
        this.clock = clock;
        this.maxEntries = maxEntries;
        this.lifetime = lifetime;
    }

    /** The kept value, or what {@code loader} finds (kept only while the feed is heard and nothing was evicted meanwhile). */
    public Optional<V> get(K key, Function<K, Optional<V>> loader) {
        Instant now = clock.instant();
        Entry<V> entry = entries.get(key);
        if (entry != null && feedUp.getAsBoolean() && now.isBefore(entry.expires())) {
            return Optional.of(entry.value());
        }
        long evictionsBefore = evictions.get();
        Optional<V> loaded = loader.apply(key);
        if (loaded.isPresent() && maxEntries > 0 && feedUp.getAsBoolean() && evictions.get() == evictionsBefore) {
            keep(key, new Entry<>(loaded.get(), lifetime.apply(loaded.get(), now)), now, evictionsBefore);
        } else if (entry != null) {
            entries.remove(key);
        }
        return loaded;
    }

    private void keep(K key, Entry<V> entry, Instant now, long evictionsBefore) {
        if (!now.isBefore(entry.expires())) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.values().removeIf(kept -> !now.isBefore(kept.expires()));
            if (entries.size() >= maxEntries) {
                entries.clear();
            }
        }
        entries.put(key, entry);
        if (evictions.get() != evictionsBefore) {
            entries.remove(key, entry); // an eviction slipped in between the check and the put
        }
    }

    public void evict(K key) {
        evictions.incrementAndGet();
        entries.remove(key);
    }

    /** Evicts every value {@code matches} says is affected (a scan: for rare, broad changes). */
    public void evictIf(Predicate<V> matches) {
        evictions.incrementAndGet();
        entries.values().removeIf(entry -> matches.test(entry.value()));
    }

    public void clear() {
        evictions.incrementAndGet();
        entries.clear();
    }

    /** How many values are kept (for the system page and tests). */
    public int size() {
        return entries.size();
    }
}
