package gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for something that happens in the background (a reconnect, a webhook), failing after a while. */
public final class Eventually {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private Eventually() {
    }

    public static void until(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as("condition not met within %s", PATIENCE).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /**
     * Whether {@code condition} holds within {@code patience}, checked every 20 ms: for what a node
     * hears by NOTIFY (asynchronous), given a moment far shorter than any cache lifetime, so a
     * missed invalidation still fails.
     */
    public static boolean holdsWithin(Duration patience, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
