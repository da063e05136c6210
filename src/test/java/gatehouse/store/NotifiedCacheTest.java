package gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.testing.MutableClock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class NotifiedCacheTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final AtomicBoolean feedUp = new AtomicBoolean(true);
    private final AtomicInteger loads = new AtomicInteger();
    private final NotifiedCache<String, String> cache = new NotifiedCache<>(feedUp::get, clock, 3,
            (value, loadedAt) -> loadedAt.plus(Duration.ofSeconds(60)));

    private Function<String, Optional<String>> loader(String value) {
        return key -> {
            loads.incrementAndGet();
            return Optional.ofNullable(value);
        };
    }

    @Test
    void aLoadedValueIsServedFromMemoryWhileTheFeedIsHeard() {
        cache.get("a", loader("A"));
        assertThat(cache.get("a", loader("other"))).contains("A");
        assertThat(loads).hasValue(1);
    }

    @Test
    void whileTheFeedIsDownEveryLookupLoadsAndNothingIsKept() {
        cache.get("a", loader("A"));
        feedUp.set(false);
        assertThat(cache.get("a", loader("B"))).contains("B");
        assertThat(cache.get("a", loader("C"))).contains("C");
        assertThat(loads).hasValue(3);
        assertThat(cache.size()).isZero();
    }

    @Test
    void somethingAbsentIsNeverRemembered() {
        assertThat(cache.get("a", loader(null))).isEmpty();
        assertThat(cache.get("a", loader("A"))).contains("A");
        assertThat(loads).hasValue(2);
    }

    @Test
    void aLoadThatOverlappedAnEvictionIsAnsweredButNotKept() {
        var answered = cache.get("a", key -> {
            cache.evict("b"); // another change heard while this load read the database
            return Optional.of("possibly stale");
        });
        assertThat(answered).contains("possibly stale");
        assertThat(cache.size()).isZero();
    }

    @Test
    void anEvictedValueIsLoadedAgain() {
        cache.get("a", loader("A"));
        cache.evict("a");
        assertThat(cache.get("a", loader("A2"))).contains("A2");
    }

    @Test
    void evictIfForgetsOnlyTheMatchingValues() {
        cache.get("a", loader("keep"));
        cache.get("b", loader("drop"));
        cache.evictIf("drop"::equals);
        assertThat(cache.get("a", loader("x"))).contains("keep");
        assertThat(cache.get("b", loader("reloaded"))).contains("reloaded");
    }

    @Test
    void aValueIsNeverServedPastItsLifetime() {
        cache.get("a", loader("A"));
        clock.advance(Duration.ofSeconds(60));
        assertThat(cache.get("a", loader("fresh"))).contains("fresh");
    }

    @Test
    void aValueWhoseLifetimeIsAlreadyOverIsNotKept() {
        var expiring = new NotifiedCache<String, String>(feedUp::get, clock, 3, (value, loadedAt) -> loadedAt);
        expiring.get("a", loader("A"));
        assertThat(expiring.size()).isZero();
    }

    @Test
    void aFullCacheDropsExpiredValuesFirstAndNeverGrowsPastItsBound() {
        var shortLived = new NotifiedCache<String, String>(feedUp::get, clock, 3,
                (value, loadedAt) -> loadedAt.plus(Duration.ofSeconds(value.startsWith("short") ? 1 : 60)));
        shortLived.get("a", loader("short a"));
        shortLived.get("b", loader("long b"));
        shortLived.get("c", loader("long c"));
        clock.advance(Duration.ofSeconds(2));
        shortLived.get("d", loader("long d"));
        assertThat(shortLived.size()).isEqualTo(3);
        for (String key : new String[] {"e", "f", "g", "h"}) {
            shortLived.get(key, loader("long " + key));
            assertThat(shortLived.size()).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void sizeZeroKeepsNothing() {
        var off = new NotifiedCache<String, String>(feedUp::get, clock, 0, (value, loadedAt) -> loadedAt.plusSeconds(60));
        off.get("a", loader("A"));
        off.get("a", loader("A"));
        assertThat(loads).hasValue(2);
    }
}
