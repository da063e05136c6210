package gatehouse.ratelimit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Says yes to the first call per key until a period ends, then no: a flood of refused requests is
 * audited once per lockout or window, not once per request.
 */
final class OncePerPeriod {
    private static final int MAX_TRACKED = 100_000;

    /** Key → when its period ends, in System.nanoTime() terms. */
    private final Map<String, Long> until = new ConcurrentHashMap<>();

    /** True once per {@code seconds}-long period for {@code key}. */
    boolean first(String key, long seconds) {
        long now = System.nanoTime();
        if (until.size() > MAX_TRACKED) {
            until.values().removeIf(end -> end - now < 0);
            if (until.size() > MAX_TRACKED) {
                until.clear();
            }
        }
        long end = now + TimeUnit.SECONDS.toNanos(Math.max(1, seconds));
        boolean[] first = {false};
        until.compute(key, (k, current) -> {
            if (current == null || current - now < 0) {
                first[0] = true;
                return end;
            }
            return current;
        });
        return first[0];
    }
}
